package handlers

import (
	"bytes"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// webApp serves the embedded Vue build: files by path, hashed assets cached for a year, and
// index.html for every other path so the app's own router handles it. The build writes a
// brotli (.br) and a gzip (.gz) copy beside each text file (frontend/build/compressAssets.ts);
// the copy the browser accepts is served as it is, so compressing costs no CPU here.
type webApp struct{ files fs.FS }

// precompressedEncoding is a content coding the build writes a copy of each text file in.
type precompressedEncoding struct {
	coding string // as named in Accept-Encoding and Content-Encoding
	suffix string // file name suffix of the copy
}

// precompressedEncodings are the codings the build writes, the smallest first: on equal
// preference the first one the browser accepts is served.
func precompressedEncodings() []precompressedEncoding {
	return []precompressedEncoding{{coding: "br", suffix: ".br"}, {coding: "gzip", suffix: ".gz"}}
}

func (w *webApp) serve(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	if p != "" && p != "index.html" {
		if st, err := fs.Stat(w.files, p); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, "assets/") {
				c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			return w.serveFile(c, p)
		}
		if strings.HasPrefix(p, "assets/") || strings.HasPrefix(p, "api/") {
			return echo.ErrNotFound
		}
	}
	if _, err := fs.Stat(w.files, "index.html"); errors.Is(err, fs.ErrNotExist) {
		return c.String(http.StatusServiceUnavailable,
			"The web app is not built into this binary. Build it with ./scripts/run (or: cd frontend && npm ci && npm run build), then rebuild the server.\n")
	} else if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return w.serveFile(c, "index.html")
}

// serveFile answers with the file p, or with its precompressed copy in the best coding the
// request accepts. The Content-Type is always that of p.
func (w *webApp) serveFile(c echo.Context, p string) error {
	res, req := c.Response(), c.Request()
	var offered []string
	copies := map[string]string{}
	for _, enc := range precompressedEncodings() {
		if st, err := fs.Stat(w.files, p+enc.suffix); err == nil && !st.IsDir() {
			offered = append(offered, enc.coding)
			copies[enc.coding] = p + enc.suffix
		}
	}
	coding := ""
	if len(offered) > 0 {
		// The answer depends on Accept-Encoding even when it is the plain file.
		res.Header().Add("Vary", "Accept-Encoding")
		coding = negotiateEncoding(req.Header.Get("Accept-Encoding"), offered)
	}
	if coding == "" {
		content, err := fs.ReadFile(w.files, p)
		if err != nil {
			return err
		}
		http.ServeContent(res, req, p, time.Time{}, bytes.NewReader(content))
		return nil
	}
	content, err := fs.ReadFile(w.files, copies[coding])
	if err != nil {
		return err
	}
	// Written directly: http.ServeContent leaves out Content-Length once Content-Encoding is
	// set. The type is the plain file's, never that of the .br/.gz name.
	contentType := mime.TypeByExtension(path.Ext(p))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	res.Header().Set("Content-Encoding", coding)
	res.Header().Set("Content-Length", strconv.Itoa(len(content)))
	return c.Blob(http.StatusOK, contentType, content)
}

// negotiateEncoding picks the content coding for a request's Accept-Encoding header from those
// offered (best first), or "" for the plain file (identity). The highest q-value wins (RFC 9110
// §12.5.3), q=0 means "not acceptable", "*" stands for every coding not named, and on equal
// weights the first offered wins. A missing or empty header asks for identity; identity is
// otherwise the fallback, preferred only when named with a higher weight than any coding
// offered. When nothing is acceptable the plain file is sent (a 406 helps no browser).
func negotiateEncoding(header string, offered []string) string {
	if strings.TrimSpace(header) == "" {
		return ""
	}
	weights := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		if coding, q, ok := parseCodingWeight(part); ok {
			weights[coding] = q
		}
	}
	best, bestQ := "", 0.0
	for _, coding := range offered {
		q, named := weights[coding]
		if !named {
			q, named = weights["*"]
		}
		if named && q > bestQ {
			best, bestQ = coding, q
		}
	}
	if identityQ, named := weights["identity"]; named && identityQ > bestQ {
		return ""
	}
	return best
}

// parseCodingWeight reads one Accept-Encoding element such as "gzip;q=0.8"; ok is false for
// an empty or malformed one (which is then ignored).
func parseCodingWeight(part string) (coding string, q float64, ok bool) {
	params := strings.Split(part, ";")
	coding = strings.ToLower(strings.TrimSpace(params[0]))
	if coding == "" {
		return "", 0, false
	}
	// x-gzip is an alias of gzip (RFC 9110 §8.4.1.3).
	if coding == "x-gzip" {
		coding = "gzip"
	}
	q = 1
	for _, param := range params[1:] {
		key, value, found := strings.Cut(strings.TrimSpace(param), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue
		}
		parsed, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || parsed < 0 || parsed > 1 {
			return "", 0, false
		}
		q = parsed
	}
	return coding, q, true
}
