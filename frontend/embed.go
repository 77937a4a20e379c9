// Package frontend embeds the built Vue web app (frontend/dist).
//
// On a clean checkout dist/ holds only a tracked placeholder, so the Go build
// works without Node; run `npm ci && npm run build` in this folder to embed
// the real app.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the contents of dist/ (index.html, assets/...) as a file system
// rooted at the dist folder.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path; "dist" is a constant.
		panic(err)
	}
	return sub
}

// Built reports whether the embedded dist/ holds a built app (index.html),
// as opposed to only the placeholder of a clean checkout.
func Built() bool {
	_, err := fs.Stat(FS(), "index.html")
	return err == nil
}
