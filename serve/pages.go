package serve

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
)

// pages puts the dashboard's pages behind the answer cache, the single flight and the
// heavy-query turns, as the API's answers are: a page is made once per store stamp (it
// carries the stamp for its live reload), and 64 clients on / no longer run 64 queries at
// once. Assets and the stamp poll pass through.
func (s *server) pages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if s.cache == nil || r.Method != http.MethodGet || err != nil || strings.HasPrefix(r.URL.Path, "/assets/") || r.URL.Path == "/web/stamp" || strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		stamp := s.d.Store.Stamp()
		key := "page\x00" + cacheKey(r.URL.Path, q, stamp)
		if a := s.cache.get(key); a != nil {
			writePage(w, a)
			return
		}
		v, err, _ := s.flights.Do(key, func() (any, error) {
			release := turn(r, s.heavy, nil)
			if release == nil {
				return nil, errBusy("the server is busy; try again")
			}
			defer release()
			rec := &pageRecorder{header: http.Header{}, code: http.StatusOK}
			next.ServeHTTP(rec, r)
			a := &cached{key: key, body: rec.body.Bytes(), header: rec.header, code: rec.code}
			if rec.code == http.StatusOK && s.d.Store.Stamp() == stamp {
				s.cache.put(a)
			}
			return a, nil
		})
		if err != nil {
			writeAnswerError(w, err)
			return
		}
		writePage(w, v.(*cached))
	})
}

func writePage(w http.ResponseWriter, a *cached) {
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.code)
	_, _ = w.Write(a.body)
}

// pageRecorder keeps a page as the web handler writes it.
type pageRecorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(code int)        { p.code = code }
