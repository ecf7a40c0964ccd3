// Package build minifies the banner's script and styles into the one file
// the server embeds. It is used by go generate and by the test that checks
// the committed file is current, never by the custos binary, which
// therefore does not carry a minifier.
package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evanw/esbuild/pkg/api"
)

// Build returns the minified banner script from the sources in dir
// (banner.js, banner.css, page.css). The styles are inlined as the string
// constants CUSTOS_CSS and CUSTOS_PAGE_CSS; CUSTOS_CONFIG is left for the
// server to replace with the site's configuration.
func Build(dir string) ([]byte, error) {
	define := map[string]string{}
	for name, file := range map[string]string{"CUSTOS_CSS": "banner.css", "CUSTOS_PAGE_CSS": "page.css"} {
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, err
		}
		res := api.Transform(string(src), api.TransformOptions{
			Loader:            api.LoaderCSS,
			MinifyWhitespace:  true,
			MinifySyntax:      true,
			MinifyIdentifiers: true,
			Target:            api.ES2020,
			Engines: []api.Engine{
				{Name: api.EngineChrome, Version: "90"},
				{Name: api.EngineFirefox, Version: "101"},
				{Name: api.EngineSafari, Version: "16.4"},
			},
		})
		if err := errorsOf(file, res.Errors); err != nil {
			return nil, err
		}
		q, err := json.Marshal(string(res.Code))
		if err != nil {
			return nil, err
		}
		define[name] = string(q)
	}
	src, err := os.ReadFile(filepath.Join(dir, "banner.js"))
	if err != nil {
		return nil, err
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader:            api.LoaderJS,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		Define:            define,
		Target:            api.ES2020,
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsNone,
	})
	if err := errorsOf("banner.js", res.Errors); err != nil {
		return nil, err
	}
	return res.Code, nil
}

func errorsOf(file string, msgs []api.Message) error {
	var errs []error
	for _, m := range msgs {
		line := 0
		if m.Location != nil {
			line = m.Location.Line
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, m.Text))
	}
	return errors.Join(errs...)
}
