package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"golang.org/x/sync/singleflight"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
	"github.com/evals-dev/evals/web"
)

// Deps are what the handler needs.
type Deps struct {
	Store *store.Store
	// Log receives one line per request (nil: no log).
	Log io.Writer
	// Token, when set, is required as "Authorization: Bearer TOKEN".
	Token string
	// Host is the address the server was bound to: without a token, a request must name it
	// or a loopback name or address as its Host (DNS rebinding).
	Host string
	// CORS is the allowed origin ("" for none, "*" for any).
	CORS string
	// Timeout bounds one request (0: 30 s).
	Timeout time.Duration
	// MaxHeavy bounds queries that scan data running at once (0: GOMAXPROCS on a local
	// store, 2 × GOMAXPROCS on a bucket, where a scan also waits on the network). A local
	// scan is bound by the CPU, and a query already spreads over every core: on the 1M
	// store at 64 connections, GOMAXPROCS slots against twice as many cut the p99 of
	// cache-miss outcome pages from 200–235 to 128–138 ms at the same req/s (1,000–1,016
	// vs 960–1,078), compares 165–174 → 177–181 req/s, all-runs pages the same
	// (interleaved rounds, serve-miss's scripts).
	MaxHeavy int
	// MaxExports bounds the exports written at once (0: GOMAXPROCS). An export is a scan of
	// a whole run, bound by the CPU: more at once finish no sooner and each holds its
	// buffers (8 at once peaked at 190 MB; two at a time, at 103 MB in the same 6 s). The
	// others wait for a turn, as long as their request may.
	MaxExports int
	// CacheBytes bounds the answers kept in memory (0: 256 MB; negative: no cache).
	CacheBytes int64
	// MCPWrites offers the annotate tool at /mcp to requests that carry the token (evals
	// serve --allow-writes; without a token there are no writes).
	MCPWrites bool
	// Version is the server's version (the MCP server says it).
	Version string
	// Warm, when set, keeps the latest run's ranking, graders and tools answered in the
	// cache ahead of the first request (again each time a run lands), until it is done.
	Warm context.Context
}

type server struct {
	d       Deps
	heavy   chan struct{}
	exports chan struct{}
	queued  *atomic.Int32 // exports waiting for a turn (a pointer: a request's view copies the server)
	doc     map[string]any
	cache   *answerCache
	flights *singleflight.Group // cache misses of one key in flight
	missed  *atomic.Int64       // cache misses met (tests wait on it)
}

// testHookAnswer runs as an answer is made (tests count and hold them).
var testHookAnswer func(*server)

// NewHandler returns the HTTP API over the store: the same queries and the same JSON
// bytes as the CLI's --json.
func NewHandler(d Deps) http.Handler { return newHandler(d, nil) }

// newHandler is NewHandler that also hands back its server (tests look at its cache).
func newHandler(d Deps, out **server) http.Handler {
	if d.Timeout == 0 {
		d.Timeout = 30 * time.Second
	}
	if d.MaxHeavy == 0 {
		d.MaxHeavy = runtime.GOMAXPROCS(0)
		if d.Store != nil && d.Store.Remote() {
			d.MaxHeavy *= 2
		}
	}
	if d.MaxExports == 0 {
		d.MaxExports = runtime.GOMAXPROCS(0)
	}
	all := allRoutes()
	s := &server{d: d, heavy: make(chan struct{}, d.MaxHeavy), exports: make(chan struct{}, d.MaxExports), queued: new(atomic.Int32), doc: openAPI(all), flights: new(singleflight.Group), missed: new(atomic.Int64)}
	switch {
	case d.CacheBytes == 0:
		s.cache = newAnswerCache(256 << 20)
	case d.CacheBytes > 0:
		s.cache = newAnswerCache(d.CacheBytes)
	}
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, rt := range all {
		mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	for path, ms := range methods {
		allow := strings.Join(append(ms, "HEAD"), ", ")
		if !slices.Contains(ms, "GET") {
			allow = strings.Join(ms, ", ")
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, errs.E(errs.Invalid, "method %s is not allowed on %s; allowed: %s", r.Method, path, allow))
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 0, errs.E(errs.NotFound, "no endpoint %s; see GET /api/openapi.json", r.URL.Path))
	})
	// Agents: the same questions as MCP tools (Streamable HTTP), under the same token and
	// Host rules; a stateless server per request, so nothing is kept between calls.
	mux.Handle("/mcp", mcpHandler(d))
	mux.HandleFunc("GET /llms.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = io.WriteString(w, llmsText(all, d))
	})
	// The dashboard: HTML pages over the same queries, same origin, same token rule.
	mux.Handle("/", s.pages(web.Handler(func(r *http.Request) (query.Source, func() string, error) {
		st := d.Store.WithContext(r.Context())
		switch r.URL.Query().Get("verdicts") {
		case "", "effective":
		case "graded":
			st = st.Graded()
		default:
			return nil, nil, errs.E(errs.Invalid, "invalid verdicts %q: use effective or graded", r.URL.Query().Get("verdicts"))
		}
		return st, st.Stamp, nil
	})))
	if out != nil {
		*out = s
	}
	h := s.middleware(mux)
	if d.Warm != nil && s.cache != nil {
		go warm(d.Warm, d.Store, h)
	}
	return h
}

// warmPaths are the answers most asked first: the funnel's start.
var warmPaths = []string{"/api/runs", "/api/runs/latest/ranking", "/api/runs/latest/graders", "/api/runs/latest/tools"}

// warm asks the handler the first questions whenever the store's stamp moves, so that the
// cache holds their answers before anyone asks.
func warm(ctx context.Context, st *store.Store, h http.Handler) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := "\x00"
	for {
		if stamp := st.Stamp(); stamp != last && stamp != "" {
			last = stamp
			for _, p := range warmPaths {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p, nil)
				h.ServeHTTP(discard{header: http.Header{}}, req)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// turn waits for a place among slots until the request ends, counted in waiting (when
// set) meanwhile. It returns the place's release, or nil when the request ended first.
func turn(r *http.Request, slots chan struct{}, waiting *atomic.Int32) func() {
	if waiting != nil {
		waiting.Add(1)
		defer waiting.Add(-1)
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }
	case <-r.Context().Done():
		return nil
	}
}

// endpoint wraps one route: parameter check, the answer cache, the heavy-query limit, and
// the answer.
func (s *server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			// Go stops parsing at 10,000 parameters (or a bad escape) and hands back what it
			// parsed: answering that would be answering another question.
			writeError(w, 0, errs.E(errs.Invalid, "invalid query string: %v", err))
			return
		}
		if err := checkParams(q, rt.params); err != nil {
			writeError(w, 0, err)
			return
		}
		if rt.write {
			// Writes need a token even on loopback: a page in the browser can reach
			// 127.0.0.1 too. The middleware has checked the header when there is one.
			if s.d.Token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="evals"`)
				writeError(w, 0, errs.E(errs.Unauthorized, "writes need evals serve --token TOKEN and an Authorization: Bearer header"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		// The middleware has served a cached answer already; this one is made, then kept.
		var key, stamp string
		if rt.method == http.MethodGet && !rt.write && s.cache != nil {
			stamp, _ = r.Context().Value(stampKey{}).(string) // what the middleware looked up with
			if stamp == "" {
				stamp = s.stampFor(r.URL.Path, q)
			}
			key = cacheKey(r.URL.Path, q, stamp)
		}
		if key != "" && !rt.export {
			// Concurrent misses of one key compute once (single flight); the others wait
			// for that answer. Revalidation headers are part of the key: an answer to a
			// client that has the body (no body) is not another client's.
			fk := key + "\x00" + r.Header.Get("If-None-Match") + "\x00" + r.Header.Get("If-Modified-Since")
			s.missed.Add(1)
			v, err, _ := s.flights.Do(fk, func() (any, error) { return s.answer(rt, w, r, q, key, stamp) })
			if err != nil {
				writeAnswerError(w, err)
				return
			}
			if a := v.(*cached); a != nil {
				deliver(w, r, a)
			}
			return
		}
		a, err := s.answer(rt, w, r, q, key, stamp)
		if err != nil {
			writeAnswerError(w, err)
			return
		}
		if a != nil {
			deliver(w, r, a)
		}
	})
}

// answer makes a route's answer: a turn in the export or heavy queue, the query on this
// request's view of the store, the body; kept in the cache when the store did not move
// meanwhile. It writes streams (exports) and not-modified answers itself and returns nil.
func (s *server) answer(rt route, w http.ResponseWriter, r *http.Request, q url.Values, key, stamp string) (*cached, error) {
	if testHookAnswer != nil {
		testHookAnswer(s)
	}
	// An export takes a turn among exports and no heavy slot: it streams a whole run for
	// seconds, and with a slot per core two exports would hold every slot, keeping every
	// other scanning query waiting behind them.
	if rt.export {
		release := turn(r, s.exports, s.queued)
		if release == nil {
			return nil, errBusy("the server is busy with other exports; try again")
		}
		defer release()
	} else if rt.heavy {
		release := turn(r, s.heavy, nil)
		if release == nil {
			return nil, errBusy("the server is busy; try again")
		}
		defer release()
	}
	// This request's view of the store: its scans stop when the request is cancelled
	// or times out, instead of running to the end for nobody.
	rs := *s
	rs.d.Store = s.d.Store.WithContext(r.Context())
	switch q.Get("verdicts") {
	case "", "effective":
	case "graded":
		rs.d.Store = rs.d.Store.Graded()
	default:
		return nil, errs.E(errs.Invalid, "invalid verdicts %q: use effective or graded", q.Get("verdicts"))
	}
	res, err := rt.handle(&rs, r)
	if err != nil {
		return nil, err
	}
	if res.stream != nil {
		if res.run != nil && notModified(w, r, *res.run, res.etag) {
			return nil, nil
		}
		w.Header().Set("Content-Type", res.contentType)
		if res.filename != "" {
			w.Header().Set("Content-Disposition", `attachment; filename="`+res.filename+`"`)
		}
		w.WriteHeader(http.StatusOK)
		if err := res.stream(w); err != nil {
			// The status has gone out: break the connection rather than end a
			// truncated answer as if it were whole.
			panic(http.ErrAbortHandler)
		}
		return nil, nil
	}
	if res.value == nil && res.raw == nil && res.run != nil {
		notModified(w, r, *res.run, res.etag) // the client has it: runScoped ran no query
		return nil, nil
	}
	a := &cached{key: key, body: res.raw, contentType: res.contentType, filename: res.filename, run: res.run, etag: res.etag}
	if res.raw == nil {
		if a.body, err = format.JSON(res.value); err != nil {
			return nil, err
		}
		a.contentType = "application/json; charset=utf-8"
	}
	// Kept only when the store did not move while the answer was made.
	if key != "" && s.stampFor(r.URL.Path, q) == stamp {
		s.cache.put(a)
	}
	return a, nil
}

// busyError is a full queue: 503 with the internal code.
type busyError struct{ msg string }

func (e busyError) Error() string { return e.msg }

func errBusy(msg string) error { return &busyError{msg} }

// writeAnswerError writes an answer's error: 503 for a full queue, else by its code.
func writeAnswerError(w http.ResponseWriter, err error) {
	var busy *busyError
	if errors.As(err, &busy) {
		writeError(w, http.StatusServiceUnavailable, errs.E(errs.Internal, "%s", busy.msg))
		return
	}
	writeError(w, 0, err)
}

// deliver sends an answer made under the timeout: handed to the middleware, which writes
// it to the client as it is, when the request came through the gate, else written to w.
// http.TimeoutHandler copies all a handler writes into a buffer first (2.7 MB for a
// compare of two 10k-outcome runs, in a buffer grown by doubling), then copies that out.
func deliver(w http.ResponseWriter, r *http.Request, a *cached) {
	if g, ok := r.Context().Value(gateKey{}).(*answerGate); ok && g.hand(a) {
		return
	}
	serveAnswer(w, r, a)
}

type gateKey struct{}

// answerGate is the writer the middleware gives http.TimeoutHandler. An answer handed to
// it in time is written by the middleware once the handler is done, and the timeout
// handler's own writes (its status and its empty buffer) are dropped; with no answer
// handed (an error, a timeout) its writes go through. After a timeout's 503 has gone
// through, nothing more is taken.
type answerGate struct {
	http.ResponseWriter
	mu     sync.Mutex
	answer *cached
	closed bool
}

// hand gives the gate the answer; false when the gate has written something else.
func (g *answerGate) hand(a *cached) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.answer = a
	return true
}

// take is the answer handed, if any; the gate takes nothing after it.
func (g *answerGate) take() *cached {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	return g.answer
}

func (g *answerGate) WriteHeader(code int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.answer != nil {
		return
	}
	g.closed = true
	g.ResponseWriter.WriteHeader(code)
}

func (g *answerGate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.answer != nil {
		return len(b), nil
	}
	g.closed = true
	return g.ResponseWriter.Write(b)
}

// serveAnswer writes an answer (fresh or cached) with its revalidation headers.
func serveAnswer(w http.ResponseWriter, r *http.Request, a *cached) {
	if a.run != nil && notModified(w, r, *a.run, a.etag) {
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	if a.filename != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+a.filename+`"`)
	}
	// The length up front: a client can show progress and tell a cut answer from a
	// whole one, and the body goes out without chunk framing.
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(a.body)
}

// result is what a route answers: a JSON value, raw bytes, or a stream (exports).
type result struct {
	value any
	raw   []byte
	// stream writes an answer too large to hold (an export): never cached, and written
	// outside the timeout handler, which would buffer it whole.
	stream      func(io.Writer) error
	contentType string
	filename    string
	// run makes the answer revalidatable: runs never change once written; etag is its tag
	// (computed once, by runScoped).
	run  *store.Run
	etag string
}

// etagFor names one answer about a run: runs never change once written, so the run's
// identity and the request are enough.
//
// A run's answers change only with its overlay (human verdicts, a rename): the store's
// stamp, which moves when one is written, is part of the tag.
func etagFor(run store.Run, r *http.Request, stamp string) string {
	h := sha256.Sum256([]byte(run.ID + "\x00" + run.CreatedAt.String() + "\x00" + run.Digest + "\x00" + stamp + "\x00" + r.URL.Path + "?" + r.URL.RawQuery))
	return `"` + hex.EncodeToString(h[:8]) + `"`
}

func matches(r *http.Request, etag string) bool {
	inm := r.Header.Get("If-None-Match")
	return inm != "" && (inm == etag || inm == "*")
}

// notModified sets ETag and Last-Modified for a run-scoped answer and answers 304 when
// the client already has it.
func notModified(w http.ResponseWriter, r *http.Request, run store.Run, etag string) bool {
	w.Header().Set("ETag", etag)
	modified := run.CreatedAt
	if run.CompletedAt != nil {
		modified = *run.CompletedAt
	}
	if !modified.IsZero() {
		w.Header().Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	w.Header().Set("Cache-Control", "no-cache")
	if matches(r, etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// writeJSON is the one place JSON answers are written: the bytes of format.JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := format.JSON(v)
	if err != nil {
		writeError(w, 0, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError is the one place errors are written: {"error":{"code","message"}}, with the
// status of the code. Internal errors never leak their details.
// stampKey carries the stamp the middleware looked a request up with to its endpoint.
type stampKey struct{}

// stampFor is the store stamp an answer depends on: for a route about some runs (a run's
// path, an outcome of a run, runs= or runId=), the catalog and those runs' overlays only,
// so a verdict on one run leaves the cached answers about the others; else the whole
// store's.
func (s *server) stampFor(path string, q url.Values) string {
	var refs []string
	switch {
	case strings.HasPrefix(path, "/api/runs/"):
		refs = []string{strings.SplitN(strings.TrimPrefix(path, "/api/runs/"), "/", 2)[0]}
	case strings.HasPrefix(path, "/api/outcomes/"):
		id := strings.SplitN(strings.TrimPrefix(path, "/api/outcomes/"), "/", 2)[0]
		if run, _, err := store.SplitOutcomeID(id); err == nil {
			refs = []string{run}
		}
	case path == "/api/compare" && q.Get("runs") != "":
		refs = strings.Split(q.Get("runs"), ",")
	case path == "/api/outcomes" && q.Get("runId") != "":
		refs = []string{q.Get("runId")}
	}
	for i, r := range refs {
		if u, err := url.PathUnescape(r); err == nil {
			refs[i] = u
		}
	}
	return s.d.Store.StampFor(refs)
}

// hostAllowed says whether a request's Host names this machine: a loopback name or
// address, or the bound host.
func hostAllowed(hostport, bound string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" || strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") || bound != "" && strings.EqualFold(h, strings.Trim(bound, "[]")) {
		return h != "" || hostport == ""
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func writeError(w http.ResponseWriter, status int, err error) {
	code := errs.CodeOf(err)
	if status == 0 {
		status = errs.HTTPStatus(code)
	}
	msg := err.Error()
	if code == errs.Internal {
		msg = "internal error"
	}
	b, _ := format.JSON(map[string]any{"error": map[string]string{"code": string(code), "message": msg}})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// streamed tells the routes whose answers are streamed (exports).
func streamed(path string) bool {
	return strings.HasPrefix(path, "/api/runs/") && strings.Contains(path, "/export/") || path == "/mcp"
}

// middleware adds, outside in: recovery, the request log, CORS, auth and the timeout.
func (s *server) middleware(next http.Handler) http.Handler {
	timed := http.TimeoutHandler(next, s.d.Timeout, `{"error":{"code":"internal","message":"the request timed out"}}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p) // net/http breaks the connection: a stream failed half-way
				}
				writeError(sw, 0, errs.E(errs.Internal, "panic: %v", p))
			}
			if s.d.Log != nil {
				fmt.Fprintf(s.d.Log, "%s %s %s %d %dB %s\n", start.UTC().Format(time.RFC3339), r.Method, r.URL.RequestURI(), sw.status, sw.bytes, time.Since(start).Round(time.Microsecond))
			}
		}()
		if s.d.CORS != "" {
			sw.Header().Set("Access-Control-Allow-Origin", s.d.CORS)
			sw.Header().Set("Access-Control-Allow-Headers", "Authorization, If-None-Match, Content-Type")
			sw.Header().Set("Access-Control-Expose-Headers", "ETag, Last-Modified")
			if r.Method == http.MethodOptions {
				sw.Header().Set("Access-Control-Allow-Methods", "GET, PATCH, DELETE, OPTIONS")
				sw.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if s.d.Token == "" && !hostAllowed(r.Host, s.d.Host) {
			// A page on another site whose name now resolves to 127.0.0.1 (DNS rebinding)
			// sends its own name: without a token, only this machine's names are served.
			writeError(sw, http.StatusMisdirectedRequest, errs.E(errs.Unauthorized, "host %q is not served without a token: use 127.0.0.1 or localhost, or start evals serve with --token", r.Host))
			return
		}
		if s.d.Token != "" && r.URL.Path != "/api/health" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.d.Token)) != 1 {
				sw.Header().Set("WWW-Authenticate", `Bearer realm="evals"`)
				writeError(sw, 0, errs.E(errs.Unauthorized, "missing or wrong bearer token"))
				return
			}
		}
		sw.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodHead {
			r.Method = http.MethodGet
		}
		// A cached answer goes out at once, outside the timeout's buffering: the cache
		// holds only answers to requests that were valid.
		if s.cache != nil && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/") {
			if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
				stamp := s.stampFor(r.URL.Path, q)
				if a := s.cache.get(cacheKey(r.URL.Path, q, stamp)); a != nil {
					serveAnswer(sw, r, a)
					return
				}
				// A miss: the endpoint keys the answer it makes with the same stamp.
				r = r.WithContext(context.WithValue(r.Context(), stampKey{}, stamp))
			}
		}
		if streamed(r.URL.Path) {
			next.ServeHTTP(sw, r) // written as it is made: the timeout would buffer it whole
			return
		}
		serveTimed(timed, sw, r)
	})
}

// serveTimed serves r through the timeout handler timed, with a gate for the answer.
func serveTimed(timed http.Handler, w http.ResponseWriter, r *http.Request) {
	gate := &answerGate{ResponseWriter: w}
	timed.ServeHTTP(gate, r.WithContext(context.WithValue(r.Context(), gateKey{}, gate)))
	if a := gate.take(); a != nil {
		serveAnswer(w, r, a)
	}
}
