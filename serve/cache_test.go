package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// TestAnswerCache: a repeated question is answered from memory with the same bytes and
// headers, also while every heavy-query slot is taken; a new run (the store's stamp moves)
// empties the cache, so "latest" answers about the new run.
func TestAnswerCache(t *testing.T) {
	dir := t.TempDir()
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	s := newServerForTest(t, dir)
	first := get(t, s.handler, "GET", "/api/runs/latest/ranking?by=category")
	if first.Code != 200 {
		t.Fatalf("ranking: %d %s", first.Code, first.Body)
	}
	// Take the only heavy slot: a cold question would wait; the cached one does not.
	s.srv.heavy <- struct{}{}
	again := get(t, s.handler, "GET", "/api/runs/latest/ranking?by=category")
	<-s.srv.heavy
	if again.Code != 200 || again.Body.String() != first.Body.String() || again.Header().Get("ETag") != first.Header().Get("ETag") {
		t.Fatalf("cached answer differs: %d", again.Code)
	}
	if s.srv.cache.hits != 1 {
		t.Fatalf("cache hits %d, want 1", s.srv.cache.hits)
	}
	// The same question with its parameters in another order is the same answer.
	if rec := get(t, s.handler, "GET", "/api/outcomes?limit=5&model=gpt-5"); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	get(t, s.handler, "GET", "/api/outcomes?model=gpt-5&limit=5")
	if s.srv.cache.hits != 2 {
		t.Fatalf("cache hits %d, want 2 (parameters are normalized)", s.srv.cache.hits)
	}
	// A revalidation of a cached answer is a 304.
	if rec := get(t, s.handler, "GET", "/api/runs/latest/ranking?by=category", "If-None-Match", first.Header().Get("ETag")); rec.Code != 304 {
		t.Fatalf("revalidation: %d", rec.Code)
	}
	// A new run moves the stamp: latest is the new run, not the cached answer.
	res, err := ingest.ImportNative(context.Background(), dir, "x.jsonl", strings.NewReader(`{"stimulus":"s","model":"fresh-model","passed":true}`+"\n"), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, s.handler, "GET", "/api/runs/latest/ranking?by=category")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "fresh-model") || !strings.Contains(rec.Body.String(), res.Run.ID) {
		t.Fatalf("after an import, latest answered from the old cache: %s", rec.Body)
	}
}

// TestStrictQuery: a query string Go stops parsing (over 10,000 parameters) or an unknown
// parameter is 400 invalid_params, never an unfiltered 200; answers carry nosniff.
func TestStrictQuery(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	many := "/api/outcomes?" + strings.Repeat("model=gpt-5&", 10001) + "limit=1"
	if rec := get(t, h, "GET", many); rec.Code != 400 || !strings.Contains(rec.Body.String(), "invalid_params") {
		t.Errorf("10,002 parameters: %d %s", rec.Code, rec.Body.String()[:min(200, rec.Body.Len())])
	}
	if rec := get(t, h, "GET", "/api/outcomes?modle=gpt-5"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "invalid_params") {
		t.Errorf("unknown parameter: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "GET", "/api/outcomes?model=%zz"); rec.Code != 400 {
		t.Errorf("bad escape: %d %s", rec.Code, rec.Body)
	}
	rec := get(t, h, "GET", "/api/runs")
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("nosniff: %v", rec.Header())
	}
}

type testServer struct {
	srv     *server
	handler http.Handler
}

// newServerForTest builds the handler and keeps its server, to look at its cache.
func newServerForTest(t *testing.T, dir string) testServer {
	t.Helper()
	var srv *server
	h := newHandler(Deps{Store: store.Open(dir), MaxHeavy: 1}, &srv)
	return testServer{srv: srv, handler: h}
}

// BenchmarkCachedAnswer: a repeated question through the whole handler (middleware,
// timeout, cache); EVALS_BENCH_STORE picks a large store, else the demo.
func BenchmarkCachedAnswer(b *testing.B) {
	dir := demoDir
	if d := os.Getenv("EVALS_BENCH_STORE"); d != "" {
		dir = d
	}
	h := NewHandler(Deps{Store: store.Open(dir)})
	for _, u := range []string{"/api/runs/latest/ranking", "/api/runs/latest/graders", "/api/outcomes?limit=100"} {
		b.Run(strings.Trim(strings.NewReplacer("/", "_", "?", "_").Replace(u), "_"), func(b *testing.B) {
			req := httptest.NewRequest("GET", u, nil)
			req.Host = "127.0.0.1:3200"
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// TestExportStreamsTheWholeDocument: the streamed JSON export is byte for byte the JSON of
// the whole Export value, and is not kept in the answer cache.
func TestExportStreamsTheWholeDocument(t *testing.T) {
	src := store.Open(demoDir)
	run, _ := src.Resolve("latest")
	ex, err := exportHead(src, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The outcomes as the API pages them (the export reads them its own way).
	ex.Outcomes = []query.OutcomeSummary{}
	p := query.OutcomesParams{Runs: []string{run.ID}, Limit: query.MaxLimit}
	for {
		page, err := query.Outcomes(src, p)
		if err != nil {
			t.Fatal(err)
		}
		ex.Outcomes = append(ex.Outcomes, page.Items...)
		if page.Page.NextCursor == nil {
			break
		}
		p.Cursor = *page.Page.NextCursor
	}
	want, err := format.JSON(ex)
	if err != nil {
		t.Fatal(err)
	}
	s := newServerForTest(t, demoDir)
	rec := get(t, s.handler, "GET", "/api/runs/latest/export/json")
	if rec.Code != 200 || rec.Body.String() != string(want) {
		t.Fatalf("streamed export differs from the whole document: %d bytes vs %d", rec.Body.Len(), len(want))
	}
	if len(ex.Outcomes) != 2160 {
		t.Fatalf("%d outcomes", len(ex.Outcomes))
	}
	if s.srv.cache.lru.Len() != 0 {
		t.Errorf("an export was cached")
	}
}

// TestWarm: with Warm the first questions are answered into the cache before anyone asks.
func TestWarm(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var srv *server
	h := newHandler(Deps{Store: store.Open(demoDir), Warm: ctx}, &srv)
	deadline := time.Now().Add(time.Minute) // waits for the state, not for a time: a minute is only the give-up
	for {
		srv.cache.mu.Lock()
		n := srv.cache.lru.Len()
		srv.cache.mu.Unlock()
		if n >= len(warmPaths) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache holds %d answers, want %d", n, len(warmPaths))
		}
		time.Sleep(5 * time.Millisecond) // poll the state; the deadline above is the only limit
	}
	srv.cache.mu.Lock()
	hits := srv.cache.hits
	srv.cache.mu.Unlock()
	get(t, h, "GET", "/api/runs/latest/ranking")
	srv.cache.mu.Lock()
	defer srv.cache.mu.Unlock()
	if srv.cache.hits != hits+1 {
		t.Errorf("the first ranking request was not answered from the warmed cache")
	}
}

// TestExportsTakeTurns: an export waits for a turn (Deps.MaxExports at once) rather than
// run beside every other, other routes go on meanwhile, and it is served whole when a turn
// frees; one whose request ends while it waits is told the server is busy.
func TestExportsTakeTurns(t *testing.T) {
	s := newServerForTest(t, demoDir)
	for range cap(s.srv.exports) { // every turn taken
		s.srv.exports <- struct{}{}
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- get(t, s.handler, "GET", "/api/runs/latest/export/csv") }()
	waits := func() { // until the export waits for a turn
		for s.srv.queued.Load() != 1 {
			select {
			case r := <-done:
				t.Fatalf("the export ran without a turn: %d", r.Code)
			default:
				runtime.Gosched()
			}
		}
	}
	waits()
	if r := get(t, s.handler, "GET", "/api/runs/latest/ranking"); r.Code != 200 {
		t.Fatalf("ranking while an export waits: %d", r.Code)
	}
	<-s.srv.exports // a turn frees
	if r := <-done; r.Code != 200 || r.Body.Len() < 1000 {
		t.Fatalf("the waiting export: %d, %d bytes", r.Code, r.Body.Len())
	}
	// A request that ends while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	s.srv.exports <- struct{}{}
	go func() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://127.0.0.1/api/runs/latest/export/csv", nil).WithContext(ctx)
		s.handler.ServeHTTP(rec, req)
		done <- rec
	}()
	waits()
	cancel()
	if r := <-done; r.Code != http.StatusServiceUnavailable || s.srv.queued.Load() != 0 {
		t.Fatalf("an export whose request ended while waiting: %d, %d queued", r.Code, s.srv.queued.Load())
	}
}

// TestExportsHoldNoHeavySlot: with every heavy slot taken (scans under way), an export
// still streams: it waits for its own turns only. The deadline only ends a wait that would
// otherwise last until the test binary's timeout.
func TestExportsHoldNoHeavySlot(t *testing.T) {
	s := newServerForTest(t, demoDir)
	for range cap(s.srv.heavy) {
		s.srv.heavy <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/api/runs/latest/export/csv", nil).WithContext(ctx))
	if rec.Code != 200 || rec.Body.Len() < 1000 {
		t.Fatalf("an export while every heavy slot is taken: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// TestMissesComputeOnce: eight requests for one uncached answer at once make it once
// (single flight); the others get the same bytes. The first is held until all eight
// have missed the cache.
func TestMissesComputeOnce(t *testing.T) {
	var srv *server
	h := newHandler(Deps{Store: store.Open(demoDir)}, &srv)
	var made atomic.Int32
	testHookAnswer = func(s *server) {
		made.Add(1)
		for s.missed.Load() < 8 {
			runtime.Gosched()
		}
	}
	defer func() { testHookAnswer = nil }()
	bodies := make([]string, 8)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("GET", "/api/runs/latest/ranking?where=category%3Dsql", nil)
			req.Host = "127.0.0.1"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			bodies[i] = rec.Body.String()
		}()
	}
	wg.Wait()
	for _, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "qwen3-coder") {
			t.Fatalf("answers differ or are wrong: %.200s", b)
		}
	}
	t.Logf("8 concurrent misses made the answer %d time(s)", made.Load())
	if made.Load() >= 8 {
		t.Errorf("each of 8 concurrent misses computed its answer (%d)", made.Load())
	}
}

// Dashboard pages go through the answer cache (and the single flight and heavy turns): a
// second view of a tab is a hit with the same bytes and the page's headers.
func TestPagesAreCached(t *testing.T) {
	var srv *server
	h := newHandler(Deps{Store: store.Open(demoDir)}, &srv)
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/runs/latest?tab=failures", nil)
		req.Host = "127.0.0.1"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get()
	hits := srv.cache.hits
	second := get()
	if first.Code != 200 || second.Code != 200 || first.Body.String() != second.Body.String() {
		t.Fatalf("pages differ: %d %d", first.Code, second.Code)
	}
	if srv.cache.hits != hits+1 {
		t.Errorf("the second view was not a cache hit (%d → %d)", hits, srv.cache.hits)
	}
	if second.Header().Get("Content-Security-Policy") == "" || !strings.HasPrefix(second.Header().Get("Content-Type"), "text/html") {
		t.Errorf("a cached page lost its headers: %v", second.Header())
	}
}
