package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // FerretDB links it anyway; the _id index remedy opens the same files
)

// Embedded is a FerretDB (SQLite backend) running inside this process, listening on loopback.
type Embedded struct {
	dir    string
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// EmbeddedOptions tune the embedded database.
type EmbeddedOptions struct {
	// NoSyncPerCommit leaves each commit unsynced (SQLite's synchronous=NORMAL in WAL mode:
	// the files stay consistent after a power cut, which may lose the last commits; the WAL is
	// synced at each checkpoint and on close). Only for a one-off bulk fill of a new
	// installation (`kaiku demo`), never for the server: a complaint is acknowledged only once
	// it is durably stored.
	NoSyncPerCommit bool
}

// sqliteURL is FerretDB's SQLite address for the files under the absolute directory abs.
func sqliteURL(abs string, opts EmbeddedOptions) string {
	u := &url.URL{Scheme: "file", Path: abs + "/"}
	if opts.NoSyncPerCommit {
		u.RawQuery = url.Values{"_pragma": {"synchronous(normal)"}}.Encode()
	}
	return u.String()
}

// StartEmbedded starts FerretDB with its SQLite files under dir and returns once it accepts
// connections. Stop it with Close after the last client disconnected.
func StartEmbedded(ctx context.Context, dir string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedWith(ctx, dir, logger, EmbeddedOptions{})
}

// StartEmbeddedWith is StartEmbedded with options.
func StartEmbeddedWith(ctx context.Context, dir string, logger *slog.Logger, opts EmbeddedOptions) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded database: create %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// Take a free port first: FerretDB reports its address only after Run started.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded database: pick a port: %w", err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(abs, opts),
		Logger:    newQuietLogger(logger.With("component", "ferretdb"), slog.LevelError),
	})
	if err != nil {
		return nil, fmt.Errorf("embedded database: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	e := &Embedded{dir: abs, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = fdb.Run(runCtx)
	}()
	e.uri = fdb.MongoDBURI()
	if err := waitForTCP(ctx, addr, 10*time.Second); err != nil {
		e.Close()
		return nil, fmt.Errorf("embedded database did not start: %w", err)
	}
	return e, nil
}

// URI is the mongodb:// address of the embedded server.
func (e *Embedded) URI() string { return e.uri }

// Close stops the server and waits until its SQLite files are closed.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
}

func waitForTCP(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// FixIDIndexes is the remedy for a FerretDB v1.24 SQLite defect: its own _id index is built on
// the expression _ferretdb_sjson->"_id", while its by-_id queries filter on
// _ferretdb_sjson->'$._id', so SQLite never uses the index and every find or update by _id
// scans the table. This adds an index on the exact query expression for every collection of
// the database's files (DatabaseNames). It is idempotent and must run after the collections exist (Migrate creates
// them first). It touches only the embedded SQLite files, never a real MongoDB.
func (e *Embedded) FixIDIndexes(ctx context.Context, dbName string) (int, error) {
	total := 0
	for _, name := range DatabaseNames(dbName) {
		n, err := e.fixIDIndexes(ctx, name)
		if err != nil {
			return total, fmt.Errorf("%s: %w", name, err)
		}
		total += n
	}
	return total, nil
}

// fixIDIndexes is FixIDIndexes for one database file.
func (e *Embedded) fixIDIndexes(ctx context.Context, dbName string) (int, error) {
	path := filepath.Join(e.dir, dbName+".sqlite")
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()

	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return 0, fmt.Errorf("list FerretDB tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`,
			quoteIdent(t+"_kaiku_id_path"), quoteIdent(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("index %s: %w", t, err)
		}
	}
	return len(tables), nil
}

// IDLookupUsesIndex reports whether SQLite plans a by-_id lookup on the collection's table with
// an index (the query FerretDB sends for find({_id})), in whichever of the database's files
// holds the collection. Tests and /readyz diagnostics use it.
func (e *Embedded) IDLookupUsesIndex(ctx context.Context, dbName, collection string) (bool, error) {
	for _, name := range DatabaseNames(dbName) {
		ok, err := e.idLookupUsesIndex(ctx, name, collection)
		if errors.Is(err, sql.ErrNoRows) || errors.Is(err, os.ErrNotExist) {
			continue // not in this file
		}
		return ok, err
	}
	return false, fmt.Errorf("no collection %s in %s", collection, dbName)
}

func (e *Embedded) idLookupUsesIndex(ctx context.Context, dbName, collection string) (bool, error) {
	path := filepath.Join(e.dir, dbName+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return false, err
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}).String())
	if err != nil {
		return false, err
	}
	defer db.Close()
	var table string
	if err := db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table); err != nil {
		return false, err
	}
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %s WHERE _ferretdb_sjson->'$._id' = ?`, quoteIdent(table)), `"x"`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return false, err
		}
		if strings.Contains(detail, "USING INDEX") {
			return true, nil
		}
	}
	return false, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
