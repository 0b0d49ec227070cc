package web

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
)

// CSP is the Content-Security-Policy of every page: nothing but this origin, no inline
// script or style, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Handler serves the dashboard: / (runs), /runs/{id}, /outcomes/{id}, /compare, /assets/,
// and /web/stamp (the store's stamp, polled to stay live). view gives each request its
// own view of the store (a graded one, a context-bound one).
func Handler(view func(r *http.Request) (query.Source, func() string, error)) http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(Assets, "assets")
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(sub)))
	mux.Handle("GET /assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		assets.ServeHTTP(w, r)
	}))
	page := func(fn func(s *Site, r *http.Request) ([]byte, error)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			src, stamp, err := view(r)
			var b []byte
			var s *Site
			if _, qerr := url.ParseQuery(r.URL.RawQuery); err == nil && qerr != nil {
				// Go stops parsing at 10,000 parameters (or a bad escape): a page of what
				// it parsed would answer another question, as the API would.
				err = errs.E(errs.Invalid, "invalid query string: %v", qerr)
			}
			if err == nil {
				s = New(src, stamp)
				b, err = fn(s, r)
			}
			w.Header().Set("Content-Security-Policy", CSP)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Referrer-Policy", "no-referrer")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err != nil {
				if s == nil {
					s = New(nil, nil)
				}
				w.WriteHeader(errs.HTTPStatus(errs.CodeOf(err)))
				_, _ = w.Write(s.Error(err))
				return
			}
			_, _ = w.Write(b)
		})
	}
	mux.Handle("GET /{$}", page(func(s *Site, r *http.Request) ([]byte, error) {
		return s.Runs(r.URL.Query().Get("label"), r.URL.Query().Get("session"), r.URL.Query().Get("suite"))
	}))
	mux.Handle("GET /runs/{id}", page(func(s *Site, r *http.Request) ([]byte, error) {
		return s.Run(r.PathValue("id"), r.URL.Query().Get("tab"), r.URL.Query())
	}))
	mux.Handle("GET /outcomes/{id}", page(func(s *Site, r *http.Request) ([]byte, error) {
		return s.Outcome(r.PathValue("id"))
	}))
	mux.Handle("GET /stimulus", page(func(s *Site, r *http.Request) ([]byte, error) {
		q := r.URL.Query()
		return s.Stimulus(q.Get("run"), q.Get("name"), q.Get("filter"))
	}))
	mux.Handle("GET /diff", page(func(s *Site, r *http.Request) ([]byte, error) {
		return s.TranscriptDiff(r.URL.Query().Get("base"), r.URL.Query().Get("new"))
	}))
	mux.Handle("GET /compare", page(func(s *Site, r *http.Request) ([]byte, error) {
		// ?runs=a,b (a link) or ?run=a&run=b (the runs page's picks, newest first).
		var runs []string
		for _, v := range append(strings.Split(r.URL.Query().Get("runs"), ","), r.URL.Query()["run"]...) {
			if v = strings.TrimSpace(v); v != "" {
				runs = append(runs, v)
			}
		}
		if len(runs) == 1 {
			return nil, errs.E(errs.Invalid, "pick at least two runs to compare")
		}
		if len(runs) == 0 {
			runs = []string{"latest", "latest~1"}
		}
		return s.Compare(runs)
	}))
	mux.Handle("/", page(func(s *Site, r *http.Request) ([]byte, error) {
		return nil, errs.E(errs.NotFound, "no page %s", r.URL.Path)
	}))
	mux.Handle("GET /web/stamp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, stamp, err := view(r)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err == nil && stamp != nil {
			_, _ = w.Write([]byte(stamp()))
		}
	}))
	return mux
}
