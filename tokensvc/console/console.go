// Package console holds the web console: the API Keys page customers reach
// through a console link, as plain HTML, CSS and JavaScript embedded in the
// binary, and the handler that serves those files with the security headers
// the page depends on. The page itself talks only to the account key REST
// of the same origin; this package knows nothing of keys or tokens.
package console

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// files are the console's assets. The page is static/index.html; every
// other file is referenced from it by a relative URL.
//
//go:embed static
var files embed.FS

// contentTypes fixes the Content-Type of each kind of asset instead of
// trusting the host's MIME database, so a file is never served as
// something a browser might sniff or execute differently.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

// asset is one embedded file ready to serve.
type asset struct {
	name        string // base name, for http.ServeContent
	body        []byte
	contentType string
	etag        string
}

// loadAssets reads every embedded file into a table keyed by URL path
// below the console's root ("/" for the page, "/js/main.js", …).
func loadAssets() (map[string]asset, error) {
	root, err := fs.Sub(files, "static")
	if err != nil {
		return nil, fmt.Errorf("opening embedded console files: %w", err)
	}
	table := map[string]asset{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("console file %s has no known content type", p)
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return fmt.Errorf("reading console file %s: %w", p, err)
		}
		urlPath := "/" + p
		if p == "index.html" {
			urlPath = "/"
		}
		table[urlPath] = asset{name: path.Base(p), body: body, contentType: ct, etag: etagOf(body)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := table["/"]; !ok {
		return nil, fmt.Errorf("console page index.html is not embedded")
	}
	return table, nil
}

// isPage reports whether an asset is the HTML page, which is never cached.
func (a asset) isPage() bool { return strings.HasPrefix(a.contentType, "text/html") }
