package server

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// `kaiku backup FILE` and `kaiku restore FILE` (issue 18) for the embedded installation.
//
// How the backup coordinates with a running server: it does not talk to the server at all. The
// embedded FerretDB keeps each database in an SQLite file in WAL mode (FerretDB sets
// journal_mode=wal and busy_timeout on every connection), and WAL is made for several
// connections, in one process or several on one host, sharing a file: they agree through the
// -shm index and POSIX locks, readers never block the writer and the writer never blocks
// readers. `VACUUM INTO` runs as one read transaction, so it writes a consistent snapshot of
// the file as of its start, including what is still only in the WAL, while the server goes on
// committing. A plain file copy would not: it can catch a page half written, and it misses (or
// tears) the committed transactions still in the -wal file. The embedded database lives on
// the local disk under the data directory by construction, so opening the files directly is
// always possible where the backup is taken, needs no credentials and no endpoint that could
// leak the whole database, and works the same whether the server runs or not.
//
// The seven files are snapshotted one after another, not at one instant. The order makes that
// safe: the records file (the cases) first, then the others. A complaint acknowledged before
// the backup began is therefore in it; a reference counter or idempotency claim read later is
// at least as far along as the cases (a claim without its case is what a crash leaves, and the
// intake already handles it); queued work for a case that came after the snapshot is harmless.
// The search indexes are not in the file: restore rebuilds them from the cases.

// backupFormat names the archive layout, checked on restore.
const backupFormat = "kaiku-backup-1"

// backupManifest is the archive's first entry.
type backupManifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	// Databases are the SQLite files under db/, in the order they were snapshotted.
	Databases []string `json:"databases"`
	// SecretKey says whether secret.key (sealing mailbox passwords and review sources' secrets)
	// is in the archive; without it restore needs KAIKU_SECRET_KEY.
	SecretKey bool `json:"secret_key"`
}

// fileArg splits `FILE [flags]` (the file first, then the usual flags).
func fileArg(command string, args []string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, fmt.Errorf("usage: kaiku %s FILE [--data-dir DIR]", command)
	}
	return args[0], args[1:], nil
}

// embeddedCommand reads the FILE argument and the configuration of `kaiku backup` and `kaiku
// restore`, which work on the embedded installation only (withMongo says what to use instead).
func embeddedCommand(command, withMongo string, args []string, getenv func(string) string, stderr io.Writer) (string, Config, error) {
	file, rest, err := fileArg(command, args)
	if err != nil {
		return "", Config{}, err
	}
	cfg, err := LoadConfig(rest, getenv, stderr)
	if err != nil {
		return "", Config{}, err
	}
	if cfg.MongoURI != "" {
		return "", Config{}, fmt.Errorf("%s %s (see the README, Backups)", command, withMongo)
	}
	return file, cfg, nil
}

// runBackup is `kaiku backup FILE`: a consistent copy of the embedded database (and the secret
// key file) as a gzipped tar, written beside FILE and renamed into place when complete.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	file, cfg, err := embeddedCommand("backup", "copies the embedded database; with MongoDB use mongodump", args, getenv, stderr)
	if err != nil {
		return err
	}
	m, err := Backup(ctx, cfg.DataDir, cfg.DBName, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %d database files of %s to %s\n", len(m.Databases), cfg.DataDir, file)
	return nil
}

// Backup writes the archive of the embedded installation under dataDir to file.
func Backup(ctx context.Context, dataDir, dbName, file string) (*backupManifest, error) {
	dbDir := filepath.Join(dataDir, "db")
	names, err := databaseFiles(dbDir, dbName)
	if err != nil {
		return nil, err
	}
	staging, err := os.MkdirTemp(filepath.Dir(file), ".kaiku-backup-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(staging)
	m := &backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC()}
	for _, name := range names {
		if err := snapshotSQLite(ctx, filepath.Join(dbDir, name), filepath.Join(staging, name)); err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
		m.Databases = append(m.Databases, name)
	}
	key, err := os.ReadFile(filepath.Join(dataDir, secretKeyFile))
	switch {
	case err == nil:
		m.SecretKey = true
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("backup: %w", err)
	}

	partial := file + ".partial"
	out, err := os.OpenFile(partial, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // it holds every customer's data
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(partial)
	if err := writeArchive(out, m, staging, key); err != nil {
		out.Close()
		return nil, fmt.Errorf("backup: write %s: %w", file, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := out.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(partial, file); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// databaseFiles lists the SQLite files under dbDir: the records file first (see the comment at
// the top), then the configured database's other files, then any others.
func databaseFiles(dbDir, dbName string) ([]string, error) {
	entries, err := os.ReadDir(dbDir)
	if err != nil {
		return nil, fmt.Errorf("backup: no embedded database at %s: %w", dbDir, err)
	}
	var found []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".sqlite") {
			found = append(found, e.Name())
		}
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("backup: no embedded database files in %s", dbDir)
	}
	var ordered []string
	for _, name := range store.DatabaseNames(dbName) {
		if i := slices.Index(found, name+".sqlite"); i >= 0 {
			ordered = append(ordered, name+".sqlite")
			found = slices.Delete(found, i, i+1)
		}
	}
	slices.Sort(found)
	return append(ordered, found...), nil
}

// snapshotSQLite writes a consistent copy of the SQLite file src to dst with VACUUM INTO.
func snapshotSQLite(ctx context.Context, src, dst string) error {
	// Read-write like FerretDB's own connections: a read-only connection to a WAL file cannot
	// recover a WAL left by a stopped server. Nothing but VACUUM INTO runs on it.
	dsn := (&url.URL{Scheme: "file", Path: src, RawQuery: "_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return err
	}
	return nil
}

func writeArchive(w io.Writer, m *backupManifest, staging string, key []byte) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	add := func(name string, size int64, body io.Reader) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := io.Copy(tw, body)
		return err
	}
	if err := add("manifest.json", int64(len(manifest)), strings.NewReader(string(manifest))); err != nil {
		return err
	}
	for _, name := range m.Databases {
		f, err := os.Open(filepath.Join(staging, name))
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil {
			err = add("db/"+name, st.Size(), f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	if m.SecretKey {
		if err := add(secretKeyFile, int64(len(key)), strings.NewReader(string(key))); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// runRestore is `kaiku restore FILE`: it unpacks a backup into an empty data directory, opens
// the database as the server would (migrations included), and rebuilds the search indexes, so
// the next start finds every case listed.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	file, cfg, err := embeddedCommand("restore", "fills an embedded installation; with MongoDB use mongorestore", args, getenv, stderr)
	if err != nil {
		return err
	}
	m, err := unpackBackup(file, cfg.DataDir)
	if err != nil {
		return err
	}
	if !m.SecretKey && cfg.SecretKey == nil {
		fmt.Fprintln(stderr, "kaiku: the backup has no secret.key (it was taken with KAIKU_SECRET_KEY): set the same KAIKU_SECRET_KEY, or mailbox passwords and review sources' secrets cannot be opened")
	}
	n, err := rebuildIndexes(ctx, cfg, stderr)
	if err != nil {
		return fmt.Errorf("restore: the database is back in %s, but the index rebuild failed (the server retries it at start): %w", cfg.DataDir, err)
	}
	fmt.Fprintf(stdout, "Restored %s into %s: %d cases, search index rebuilt\n", file, cfg.DataDir, n)
	return nil
}

// unpackBackup checks that dataDir is empty (or absent) and writes the archive's files into it.
func unpackBackup(file, dataDir string) (*backupManifest, error) {
	entries, err := os.ReadDir(dataDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("restore: %w", err)
	case len(entries) > 0:
		return nil, fmt.Errorf("restore: %s is not empty: restore only into an empty (or new) data directory, so nothing there is overwritten", dataDir)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("restore: %s is not a Kaiku backup: %w", file, err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "manifest.json" {
		return nil, fmt.Errorf("restore: %s is not a Kaiku backup (no manifest)", file)
	}
	var m backupManifest
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil || m.Format != backupFormat {
		return nil, fmt.Errorf("restore: %s is not a Kaiku backup of format %s", file, backupFormat)
	}
	if err := os.MkdirAll(filepath.Join(dataDir, "db"), 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	restored := 0
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("restore: read %s: %w", file, err)
		}
		target, ok := restoreTarget(hdr, m, dataDir)
		if !ok {
			return nil, fmt.Errorf("restore: unexpected entry %q in %s", hdr.Name, file)
		}
		if err := writeRestored(target, tr); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		restored++
	}
	if want := len(m.Databases) + map[bool]int{true: 1}[m.SecretKey]; restored != want {
		return nil, fmt.Errorf("restore: %s is incomplete: %d of %d files", file, restored, want)
	}
	return &m, nil
}

// restoreTarget is where an archive entry goes: only the files the manifest names, by base
// name, so no entry can write outside the data directory.
func restoreTarget(hdr *tar.Header, m backupManifest, dataDir string) (string, bool) {
	if hdr.Typeflag != tar.TypeReg {
		return "", false
	}
	if hdr.Name == secretKeyFile && m.SecretKey {
		return filepath.Join(dataDir, secretKeyFile), true
	}
	dir, name := path.Split(hdr.Name)
	if dir != "db/" || !slices.Contains(m.Databases, name) || name != filepath.Base(name) {
		return "", false
	}
	return filepath.Join(dataDir, "db", name), true
}

func writeRestored(target string, r io.Reader) error {
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// rebuildIndexes opens the restored installation as the server does and fills the (empty)
// search indexes from the cases and approval requests, with the topics model loaded so every
// case gets its topic as it would when indexed by the server.
func rebuildIndexes(ctx context.Context, cfg Config, stderr io.Writer) (int, error) {
	logger := newLogger(cfg, stderr)
	startCtx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()
	db, err := openDatabase(startCtx, cfg, logger, helpdesk.SystemClock, nil, store.EmbeddedOptions{})
	if err != nil {
		return 0, err
	}
	defer db.close()
	index, err := openIndex(startCtx, cfg, logger)
	if err != nil {
		return 0, err
	}
	defer index.Close()
	approvalIndex, err := openApprovalIndex(startCtx, cfg, logger)
	if err != nil {
		return 0, err
	}
	defer approvalIndex.Close()
	secretKey, err := loadSecretKey(cfg)
	if err != nil {
		return 0, err
	}
	mailer, err := mail.New(db.store, mail.Config{}, mail.Options{Clock: helpdesk.SystemClock, Logger: logger})
	if err != nil {
		return 0, err
	}
	hd, err := helpdesk.New(helpdesk.Deps{SecretKey: secretKey, Store: db.store, Index: index, ApprovalIndex: approvalIndex,
		Mailer: mailer, Webhooks: webhook.New(db.store, webhook.Options{Clock: helpdesk.SystemClock, Logger: logger}),
		Logger: logger, Clock: helpdesk.SystemClock, BaseURL: cfg.BaseURL, Currency: cfg.Currency, Location: cfg.Location,
		Limits: helpdesk.DefaultIntakeLimits, FollowUps: cfg.FollowUps, Mail: cfg.MailIn})
	if err != nil {
		return 0, err
	}
	if _, err := hd.Topics.Load(ctx); err != nil {
		logger.Warn("topics model not loaded; cases are indexed without topics until it is relearned", "err", err)
	}
	n, err := hd.Indexer.RebuildIfNeeded(ctx)
	if err != nil {
		return n, err
	}
	if _, err := hd.Remedies.RebuildApprovalIndex(ctx, db.store.EachApproval); err != nil {
		return n, fmt.Errorf("approvals index: %w", err)
	}
	return n, nil
}
