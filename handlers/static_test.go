package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/fstest"
)

func TestNegotiateEncoding(t *testing.T) {
	both := []string{"br", "gzip"}
	cases := []struct {
		name    string
		header  string
		offered []string
		want    string
	}{
		{"no header asks for identity", "", both, ""},
		{"blank header asks for identity", "  ", both, ""},
		{"gzip only", "gzip", both, "gzip"},
		{"brotli only", "br", both, "br"},
		{"a browser's list: brotli is smaller", "gzip, deflate, br, zstd", both, "br"},
		{"higher q wins over order", "br;q=0.5, gzip;q=1", both, "gzip"},
		{"q with spaces and upper case", "BR ; Q=0.9 , GZIP ; q=0.4", both, "br"},
		{"q=0 refuses a coding", "br;q=0, gzip", both, "gzip"},
		{"everything refused", "br;q=0, gzip;q=0", both, ""},
		{"identity only", "identity", both, ""},
		{"identity preferred over a coding", "identity;q=1, gzip;q=0.5", both, ""},
		{"identity equal to a coding loses", "identity, gzip", both, "gzip"},
		{"wildcard takes the first offered", "*", both, "br"},
		{"wildcard q=0 refuses what is not named", "gzip;q=0.2, *;q=0", both, "gzip"},
		{"wildcard q=0 alone", "*;q=0", both, ""},
		{"named coding overrides the wildcard", "br;q=0, *", both, "gzip"},
		{"x-gzip is gzip", "x-gzip", both, "gzip"},
		{"unknown codings only", "deflate, zstd", both, ""},
		{"malformed q is ignored", "br;q=high, gzip", both, "gzip"},
		{"q above 1 is ignored", "br;q=2, gzip;q=0.1", both, "gzip"},
		{"not offered", "br", []string{"gzip"}, ""},
		{"nothing offered", "br, gzip", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := negotiateEncoding(tc.header, tc.offered); got != tc.want {
				t.Fatalf("negotiateEncoding(%q, %v) = %q, want %q", tc.header, tc.offered, got, tc.want)
			}
		})
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWebAppServesPrecompressedCopies(t *testing.T) {
	index := []byte("<!doctype html><title>Kaiku</title>")
	script := []byte("console.log('kaiku')")
	// Brotli is not in the standard library; the server sends the .br file's bytes as they
	// are, so any marker bytes show which file was served.
	files := fstest.MapFS{
		"index.html":       {Data: index},
		"index.html.br":    {Data: []byte("BROTLI-INDEX")},
		"index.html.gz":    {Data: gzipped(t, index)},
		"assets/app.js":    {Data: script},
		"assets/app.js.br": {Data: []byte("BROTLI-SCRIPT")},
		"assets/app.js.gz": {Data: gzipped(t, script)},
		"assets/app.css":   {Data: []byte("body{margin:0}")},
		"assets/logo.png":  {Data: []byte("\x89PNG\r\n\x1a\n")},
	}
	e := New(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Frontend: files, MaxBodyBytes: 1 << 20})

	get := func(t *testing.T, method, path, acceptEncoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s (%q): status %d, body %q", method, path, acceptEncoding, rec.Code, rec.Body.String())
		}
		return rec
	}
	const jsType, htmlType = "text/javascript; charset=utf-8", "text/html; charset=utf-8"
	const immutable, noCache = "public, max-age=31536000, immutable", "no-cache"

	cases := []struct {
		name, method, path, acceptEncoding          string
		wantEncoding, wantType, wantCache, wantVary string
		wantBody                                    []byte
	}{
		{"asset in brotli", "GET", "/assets/app.js", "gzip, deflate, br", "br", jsType, immutable, "Accept-Encoding", []byte("BROTLI-SCRIPT")},
		{"asset in gzip", "GET", "/assets/app.js", "gzip", "gzip", jsType, immutable, "Accept-Encoding", files["assets/app.js.gz"].Data},
		{"asset in gzip by q-value", "GET", "/assets/app.js", "br;q=0.1, gzip;q=0.9", "gzip", jsType, immutable, "Accept-Encoding", files["assets/app.js.gz"].Data},
		{"asset plain on identity", "GET", "/assets/app.js", "identity", "", jsType, immutable, "Accept-Encoding", script},
		{"asset plain without the header", "GET", "/assets/app.js", "", "", jsType, immutable, "Accept-Encoding", script},
		{"asset without copies", "GET", "/assets/app.css", "br", "", "text/css; charset=utf-8", immutable, "", []byte("body{margin:0}")},
		{"binary asset", "GET", "/assets/logo.png", "br, gzip", "", "image/png", immutable, "", files["assets/logo.png"].Data},
		{"app route gets index.html in brotli", "GET", "/complain", "br", "br", htmlType, noCache, "Accept-Encoding", []byte("BROTLI-INDEX")},
		{"index.html itself in gzip", "GET", "/index.html", "gzip", "gzip", htmlType, noCache, "Accept-Encoding", files["index.html.gz"].Data},
		{"root plain", "GET", "/", "identity", "", htmlType, noCache, "Accept-Encoding", index},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, tc.method, tc.path, tc.acceptEncoding)
			h := rec.Header()
			if got := h.Get("Content-Encoding"); got != tc.wantEncoding {
				t.Errorf("Content-Encoding = %q, want %q", got, tc.wantEncoding)
			}
			if got := h.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := h.Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.wantCache)
			}
			if got := h.Get("Vary"); got != tc.wantVary {
				t.Errorf("Vary = %q, want %q", got, tc.wantVary)
			}
			if !bytes.Equal(rec.Body.Bytes(), tc.wantBody) {
				t.Errorf("body = %q, want %q", rec.Body.Bytes(), tc.wantBody)
			}
			if got, want := h.Get("Content-Length"), strconv.Itoa(len(tc.wantBody)); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
		})
	}

	// What the gzip answer carries unpacks to the file itself.
	zr, err := gzip.NewReader(bytes.NewReader(get(t, "GET", "/assets/app.js", "gzip").Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, script) {
		t.Fatalf("gzip answer unpacks to %q (%v), want %q", plain, err, script)
	}
}
