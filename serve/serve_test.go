package serve

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

var demoDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "evals-serve-test-")
	if err != nil {
		panic(err)
	}
	demoDir = filepath.Join(dir, "store")
	if _, err := ingest.Demo(context.Background(), demoDir, nil); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func get(t *testing.T, h http.Handler, method, url string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, url, nil)
	req.Host = "127.0.0.1:3200"
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var nonName = regexp.MustCompile(`[^a-zA-Z0-9]+`)

func golden(t *testing.T, url string, body []byte) {
	t.Helper()
	name := strings.Trim(nonName.ReplaceAllString(url, "_"), "_") + ".json"
	path := filepath.Join("testdata", name)
	got := format.Indent(body)
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(path, got, 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./serve -update creates it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s: body differs from %s (go test ./serve -update to accept)", url, path)
	}
}

// TestRoutesGolden calls every route on the demo store and holds its body to a golden file.
func TestRoutesGolden(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	oid := "8b2d4e7f10-0000006"
	urls := []string{
		"/api/health", "/api/metrics", "/api/runs", "/api/runs?limit=2", "/api/runs/latest", "/api/runs/baseline/outcomes?limit=3&status=error",
		"/api/runs/latest/ranking", "/api/runs/latest/graders", "/api/runs/latest/tools", "/api/runs/latest~1/matrix?metric=duration_ms",
		"/api/runs/latest/compare?modelA=gpt-5&modelB=qwen3-coder", "/api/outcomes?limit=2&model=gpt-5&passed=false&sort=duration_ms&order=desc",
		"/api/outcomes/" + oid, "/api/outcomes/" + oid + "/trajectory", "/api/outcomes/" + oid + "/tools",
		"/api/compare?runs=latest,latest~1", "/api/openapi.json",
	}
	for _, u := range urls {
		rec := get(t, h, "GET", u)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", u, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s: content type %q", u, ct)
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("%s: Content-Length %q for %d bytes", u, cl, rec.Body.Len())
		}
		golden(t, u, rec.Body.Bytes())
	}
	for _, f := range []string{"json", "csv", "markdown"} {
		rec := get(t, h, "GET", "/api/runs/latest/export/"+f)
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Disposition"), "evals-8b2d4e7f10.") || rec.Body.Len() < 1000 {
			t.Errorf("export %s: %d %v %d bytes", f, rec.Code, rec.Header(), rec.Body.Len())
		}
	}
}

func TestErrorPaths(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	cases := []struct {
		method, url string
		status      int
		code        string
	}{
		{"GET", "/api/runs/nope", 404, "not_found"},
		{"GET", "/api/runs/nope/ranking", 404, "not_found"},
		{"GET", "/api/outcomes/8b2d4e7f10-9999999", 404, "not_found"},
		{"GET", "/api/outcomes/nope", 404, "not_found"},
		{"GET", "/api/outcomes?status=bogus", 400, "invalid_params"},
		{"GET", "/api/outcomes?limit=0", 400, "invalid_params"},
		{"GET", "/api/outcomes?limit=1001", 400, "invalid_params"},
		{"GET", "/api/outcomes?limit=x", 400, "invalid_params"},
		{"GET", "/api/outcomes?cursor=%21%21", 400, "invalid_params"},
		{"GET", "/api/runs?cursor=bm9wZQ", 400, "invalid_params"},
		{"GET", "/api/outcomes?frobnicate=1", 400, "invalid_params"},
		{"GET", "/api/runs/latest/ranking?x=1", 400, "invalid_params"},
		{"GET", "/api/runs/latest/matrix?metric=nope", 400, "invalid_params"},
		{"GET", "/api/runs/latest/compare?modelA=gpt-5", 400, "invalid_params"},
		{"GET", "/api/runs/latest/export/xml", 400, "invalid_params"},
		{"GET", "/api/compare?runs=latest", 400, "invalid_params"},
		// Explicit values are honoured or rejected, never replaced by defaults.
		{"GET", "/api/compare?runs=latest,latest~1&alpha=0", 400, "invalid_params"},
		{"GET", "/api/compare?runs=latest,latest~1&minMatched=0", 400, "invalid_params"},
		{"GET", "/api/compare?runs=latest,latest~1&threshold=", 400, "invalid_params"},
		{"GET", "/api/compare?runs=latest,latest", 400, "invalid_params"},
		{"POST", "/api/runs", 405, "invalid_params"},
		{"DELETE", "/api/outcomes/x", 405, "invalid_params"},
		{"GET", "/api/nothing", 404, "not_found"},
		// Path traversal: ids never leave the store.
		{"GET", "/api/runs/..%2F..%2F..%2Fetc/ranking", 404, "not_found"},
		{"GET", "/api/runs/%2e%2e/ranking", 404, "not_found"},
		{"GET", "/api/outcomes/..%2F..%2Fpasswd-1", 404, "not_found"},
		{"GET", "/api/outcomes/..-1/trajectory", 404, "not_found"},
	}
	// Unencoded dot segments are cleaned by the router into a redirect, which lands on 404.
	rec := get(t, h, "GET", "/api/runs/../../../etc/passwd")
	if loc := rec.Header().Get("Location"); rec.Code/100 != 3 || loc != "/etc/passwd" {
		t.Errorf("dot segments: %d %q", rec.Code, loc)
	}
	if rec := get(t, h, "GET", "/etc/passwd"); rec.Code != 404 || !strings.Contains(rec.Body.String(), "not_found") {
		t.Errorf("/etc/passwd: %d %s", rec.Code, rec.Body)
	}
	for _, c := range cases {
		rec := get(t, h, c.method, c.url)
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("%s %s: not a JSON error: %q", c.method, c.url, rec.Body)
			continue
		}
		if rec.Code != c.status || body.Error.Code != c.code || body.Error.Message == "" {
			t.Errorf("%s %s: %d %+v, want %d %s", c.method, c.url, rec.Code, body.Error, c.status, c.code)
		}
		if rec.Code == 405 && rec.Header().Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.url)
		}
	}
}

func TestCompareThresholdZeroHonoured(t *testing.T) {
	w := get(t, NewHandler(Deps{Store: store.Open(demoDir)}), "GET", "/api/compare?runs=latest,latest~1&threshold=0")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"threshold":0,`) {
		t.Fatalf("%d %.300s", w.Code, w.Body.String())
	}
}

func TestAuthCORSAndRevalidation(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir), Token: "s3cret", CORS: "*"})
	if rec := get(t, h, "GET", "/api/runs"); rec.Code != 401 || !strings.Contains(rec.Body.String(), "unauthorized") {
		t.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "GET", "/api/runs", "Authorization", "Bearer nope"); rec.Code != 401 {
		t.Fatalf("wrong token: %d", rec.Code)
	}
	rec := get(t, h, "GET", "/api/runs/latest/ranking", "Authorization", "Bearer s3cret")
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || etag == "" || rec.Header().Get("Last-Modified") == "" || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("ranking: %d %v", rec.Code, rec.Header())
	}
	rec = get(t, h, "GET", "/api/runs/latest/ranking", "Authorization", "Bearer s3cret", "If-None-Match", etag)
	if rec.Code != 304 || rec.Body.Len() != 0 {
		t.Fatalf("revalidation: %d %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, h, "GET", "/api/health"); rec.Code != 200 {
		t.Fatalf("health needs no token: %d", rec.Code)
	}
}

func TestPagingVisitsEachOutcomeOnce(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	seen := map[string]int{}
	url := "/api/outcomes?limit=1000&status=failed,error"
	total := 0
	for pages := 0; pages < 100; pages++ {
		rec := get(t, h, "GET", url)
		var p struct {
			Items []struct{ ID string }
			Page  struct {
				NextCursor *string
				Total      int
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		total = p.Page.Total
		for _, it := range p.Items {
			seen[it.ID]++
		}
		if p.Page.NextCursor == nil {
			break
		}
		url = "/api/outcomes?limit=1000&status=failed,error&cursor=" + *p.Page.NextCursor
	}
	if len(seen) != total || total == 0 {
		t.Fatalf("visited %d of %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", id, n)
		}
	}
}

// TestOpenAPICoversRoutes: the document lists exactly the registered routes.
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := openAPI(allRoutes())
	paths := doc["paths"].(map[string]any)
	n := 0
	for _, rt := range allRoutes() {
		item, ok := paths[rt.path].(map[string]any)
		if !ok || item[strings.ToLower(rt.method)] == nil {
			t.Errorf("%s %s is not in the OpenAPI document", rt.method, rt.path)
		}
		n++
	}
	count := 0
	for _, item := range paths {
		count += len(item.(map[string]any))
	}
	if count != n {
		t.Errorf("document has %d operations, routes %d", count, n)
	}
}

// TestNewRunsAppear: a run written while the handler serves shows up without a restart,
// and a corrupt run answers corrupt_data while the others keep working.
func TestNewRunsAppearAndCorruptRunsAreIsolated(t *testing.T) {
	dir := t.TempDir()
	h := NewHandler(Deps{Store: store.Open(dir)})
	if rec := get(t, h, "GET", "/api/runs"); !strings.Contains(rec.Body.String(), `"total":0`) {
		t.Fatalf("empty store: %s", rec.Body)
	}
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, h, "GET", "/api/runs"); !strings.Contains(rec.Body.String(), `"total":3`) {
		t.Fatalf("after import: %s", rec.Body)
	}
	os.WriteFile(filepath.Join(dir, "runs/5f3a9c1e02/outcomes.parquet"), []byte("garbage"), 0o644)
	if rec := get(t, h, "GET", "/api/runs/baseline/ranking"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "corrupt_data") {
		t.Fatalf("corrupt run: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "GET", "/api/runs/candidate/ranking"); rec.Code != 200 {
		t.Fatalf("healthy run after a corrupt one: %d", rec.Code)
	}
}

// TestHostCheck: without a token only this machine's names are served (DNS rebinding: a
// page on evil.example whose name resolves to 127.0.0.1 sends Host: evil.example).
func TestHostCheck(t *testing.T) {
	open := NewHandler(Deps{Store: store.Open(demoDir), Host: "127.0.0.1"})
	for host, want := range map[string]int{"evil.example": 421, "evil.example:3200": 421, "127.0.0.1:3200": 200, "localhost:3200": 200,
		"[::1]:3200": 200, "127.0.0.2": 200, "app.localhost:3200": 200, "10.0.0.5:3200": 421} {
		for _, path := range []string{"/api/runs/latest/export/json", "/"} {
			req := httptest.NewRequest("GET", path, nil)
			req.Host = host
			rec := httptest.NewRecorder()
			open.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("Host %s %s: %d, want %d", host, path, rec.Code, want)
			}
			if want == 421 && !strings.Contains(rec.Body.String(), `"code":"unauthorized"`) {
				t.Errorf("Host %s: body %s", host, rec.Body.String())
			}
		}
	}
	// The bound host is served; with a token every Host is (the token decides).
	bound := NewHandler(Deps{Store: store.Open(demoDir), Host: "evals.internal"})
	withToken := NewHandler(Deps{Store: store.Open(demoDir), Token: "s3cret"})
	for _, c := range []struct {
		h    http.Handler
		host string
		hdr  []string
		want int
	}{{bound, "evals.internal:3200", nil, 200}, {withToken, "evil.example", nil, 401}, {withToken, "dash.example", []string{"Authorization", "Bearer s3cret"}, 200}} {
		req := httptest.NewRequest("GET", "/api/runs", nil)
		req.Host = c.host
		for i := 0; i+1 < len(c.hdr); i += 2 {
			req.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.host, rec.Code, c.want)
		}
	}
}
