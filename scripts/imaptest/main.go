// Command imaptest runs an in-memory IMAP server (mailin/imaptest) on loopback for the browser
// tests and the ingest benchmark, with a small HTTP control on another loopback port:
//
//	POST /append          the body is a raw message, delivered to INBOX
//	GET  /count           {"total": n, "seen": n} of INBOX
//
// It prints one line of JSON with both addresses when it is ready and stops on SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/kaiku-helpdesk/kaiku/mailin/imaptest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imaptest:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("imaptest", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "IMAP listen address (loopback)")
	control := fs.String("control", "127.0.0.1:0", "HTTP control listen address (loopback)")
	user := fs.String("user", "support@example.com", "the one user")
	pass := fs.String("password", "imap-test-password", "its password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := imaptest.Start(*addr, *user, *pass)
	if err != nil {
		return err
	}
	defer srv.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /append", func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err == nil {
			err = srv.Append("", raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		total, seen, err := srv.Count("INBOX")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]uint32{"total": total, "seen": seen})
	})
	ln, err := net.Listen("tcp", *control)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	ready, _ := json.Marshal(map[string]any{"imap_host": srv.Host(), "imap_port": srv.Port(), "user": *user, "password": *pass,
		"control": "http://" + ln.Addr().String()})
	fmt.Fprintln(stdout, string(ready))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if err := hs.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
