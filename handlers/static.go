package handlers

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// webApp serves the embedded Vue build: files by path, hashed assets cached for a year, and
// index.html for every other path so the app's own router handles it.
type webApp struct{ files fs.FS }

func (w *webApp) serve(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	if p != "" && p != "index.html" {
		if st, err := fs.Stat(w.files, p); err == nil && !st.IsDir() {
			if strings.HasPrefix(p, "assets/") {
				c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			http.ServeFileFS(c.Response(), c.Request(), w.files, p)
			return nil
		}
		if strings.HasPrefix(p, "assets/") || strings.HasPrefix(p, "api/") {
			return echo.ErrNotFound
		}
	}
	index, err := fs.ReadFile(w.files, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return c.String(http.StatusServiceUnavailable,
			"The web app is not built into this binary. Build it with ./scripts/run (or: cd frontend && npm ci && npm run build), then rebuild the server.\n")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.HTMLBlob(http.StatusOK, index)
}
