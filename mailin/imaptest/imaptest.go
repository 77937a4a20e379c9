// Package imaptest runs an in-memory IMAP server (go-imap's imapmemserver) on a loopback
// port, for tests, the browser tests' mail server and the ingest benchmark: a real IMAP
// conversation without a mail server installed.
package imaptest

import (
	"bytes"
	"errors"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is a running in-memory IMAP server with one user.
type Server struct {
	Addr     string // host:port
	Username string
	Password string
	srv      *imapserver.Server
	user     *imapmemserver.User
	ln       net.Listener
}

// Start listens on addr ("127.0.0.1:0" for any free port) with one user whose INBOX (and an
// Archive folder, for "move after fetch") exist.
func Start(addr, username, password string) (*Server, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	for _, name := range []string{"INBOX", "Archive"} {
		if err := user.Create(name, nil); err != nil {
			return nil, err
		}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true, // loopback only
		Logger:       discard{},
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return &Server{Addr: ln.Addr().String(), Username: username, Password: password, srv: srv, user: user, ln: ln}, nil
}

// Host and Port split Addr.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Addr); return h }

// Port is the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Append delivers a raw message to a folder ("" = INBOX), as a mail server would.
func (s *Server) Append(folder string, raw []byte) error {
	if folder == "" {
		folder = "INBOX"
	}
	if len(raw) == 0 {
		return errors.New("imaptest: empty message")
	}
	_, err := s.user.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()})
	return err
}

// Count is how many messages a folder holds, and how many of them are \Seen.
func (s *Server) Count(folder string) (total, seen uint32, err error) {
	st, err := s.user.Status(folder, &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	if err != nil {
		return 0, 0, err
	}
	return *st.NumMessages, *st.NumMessages - *st.NumUnseen, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

type discard struct{}

func (discard) Printf(string, ...any) {}
