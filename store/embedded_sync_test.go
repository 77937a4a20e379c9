package store

import (
	"net/url"
	"testing"
)

// The demo's fill asks SQLite not to sync each commit; the server's address asks nothing, so
// FerretDB's defaults (a full sync per commit in WAL mode) hold.
func TestSQLiteURLSyncsEachCommitUnlessTold(t *testing.T) {
	for _, tc := range []struct {
		opts EmbeddedOptions
		want []string
	}{
		{EmbeddedOptions{}, nil},
		{EmbeddedOptions{NoSyncPerCommit: true}, []string{"synchronous(normal)"}},
	} {
		u, err := url.Parse(sqliteURL("/data/db", tc.opts))
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != "file" || u.Path != "/data/db/" {
			t.Errorf("%+v: address %s, want the directory /data/db/", tc.opts, u)
		}
		if got := u.Query()["_pragma"]; len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
			t.Errorf("%+v: pragmas %v, want %v", tc.opts, got, tc.want)
		}
	}
}
