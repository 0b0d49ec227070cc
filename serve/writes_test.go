package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
)

func send(h http.Handler, method, url, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Host = "127.0.0.1:3200"
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestWrites: writes need a token even on loopback, take small strict JSON bodies, and
// change what the reads answer (ETags included).
func TestWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	open := NewHandler(Deps{Store: store.Open(dir), Log: &log})
	for _, w := range []struct{ method, url, body string }{
		{"PATCH", "/api/runs/latest", `{"name":"x"}`},
		{"DELETE", "/api/runs/latest", ``},
		{"PATCH", "/api/outcomes/8b2d4e7f10-0000006", `{"verdict":"pass"}`},
		{"DELETE", "/api/sessions/demo", ``},
	} {
		if r := send(open, w.method, w.url, w.body); r.Code != 401 || !strings.Contains(r.Body.String(), `"unauthorized"`) {
			t.Errorf("%s %s without a token: %d %s", w.method, w.url, r.Code, r.Body)
		}
	}
	h := NewHandler(Deps{Store: store.Open(dir), Token: "s3cret", Log: &log})
	auth := []string{"Authorization", "Bearer s3cret"}
	if r := send(h, "PATCH", "/api/runs/latest", `{"name":"x"}`); r.Code != 401 {
		t.Errorf("no bearer header: %d", r.Code)
	}
	for _, bad := range []string{`{"nmae":"x"}`, `not json`, ``, `{"name":"x"}{"name":"y"}`, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`} {
		if r := send(h, "PATCH", "/api/runs/latest", bad, auth...); r.Code != 400 {
			t.Errorf("body %.40q: %d %s", bad, r.Code, r.Body)
		}
	}
	before := get(t, h, "GET", "/api/runs/latest/ranking", auth...)
	etag := before.Header().Get("ETag")
	r := send(h, "PATCH", "/api/outcomes/8b2d4e7f10-0000006", `{"verdict":"pass","note":"fine","labels":{"triage":"grader-bug"},"author":"rev"}`, auth...)
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"reviewed":true`) {
		t.Fatalf("PATCH outcome: %d %s", r.Code, r.Body)
	}
	after := get(t, h, "GET", "/api/runs/latest/ranking", append(auth, "If-None-Match", etag)...)
	if after.Code != 200 || !strings.Contains(after.Body.String(), `"reviewedCount":1`) {
		t.Errorf("ranking after a review: %d (a stale 304 would be wrong)", after.Code)
	}
	// Exports carry the reviews.
	if ex := get(t, h, "GET", "/api/runs/latest/export/json", auth...); !strings.Contains(ex.Body.String(), `"note":"fine"`) {
		t.Errorf("JSON export without the annotation")
	}
	if ex := get(t, h, "GET", "/api/runs/latest/export/csv", auth...); !strings.Contains(ex.Body.String(), "human_verdict") || !strings.Contains(ex.Body.String(), ",pass,fine,rev") {
		t.Errorf("CSV export without the review")
	}
	if ex := get(t, h, "GET", "/api/runs/latest/export/markdown", auth...); !strings.Contains(ex.Body.String(), "Human reviews") {
		t.Errorf("Markdown export without the reviews")
	}
	graded := get(t, h, "GET", "/api/runs/latest/ranking?verdicts=graded", auth...)
	if !strings.Contains(graded.Body.String(), `"reviewedCount":0`) {
		t.Errorf("verdicts=graded counts the review")
	}
	if r := send(h, "PATCH", "/api/runs/latest", `{"name":"renamed","session":"s1","labels":{"branch":null,"k":"v"}}`, auth...); r.Code != 200 || !strings.Contains(r.Body.String(), `"name":"renamed"`) {
		t.Errorf("PATCH run: %d %s", r.Code, r.Body)
	}
	var sessions struct {
		Sessions []string `json:"sessions"`
	}
	_ = json.Unmarshal(get(t, h, "GET", "/api/sessions", auth...).Body.Bytes(), &sessions)
	if strings.Join(sessions.Sessions, ",") != "s1,demo" {
		t.Errorf("sessions: %v", sessions.Sessions)
	}
	if r := get(t, h, "GET", "/api/sessions/s1/runs", auth...); !strings.Contains(r.Body.String(), `"renamed"`) {
		t.Errorf("session runs: %s", r.Body)
	}
	if r := send(h, "DELETE", "/api/sessions/demo", "", auth...); r.Code != 200 || !strings.Contains(r.Body.String(), `"5f3a9c1e02"`) {
		t.Errorf("DELETE session: %d %s", r.Code, r.Body)
	}
	if r := get(t, h, "GET", "/api/runs", auth...); strings.Contains(r.Body.String(), "5f3a9c1e02") {
		t.Errorf("deleted runs still listed")
	}
	if r := send(h, "DELETE", "/api/runs/8b2d4e7f10", "", auth...); r.Code != 200 {
		t.Errorf("DELETE run: %d", r.Code)
	}
	if !strings.Contains(log.String(), "PATCH /api/outcomes/8b2d4e7f10-0000006 200") || !strings.Contains(log.String(), "DELETE /api/runs/8b2d4e7f10 200") {
		t.Errorf("writes are not logged:\n%s", log.String())
	}
}

// TestSlicesOverHTTP: by and where on ranking and compare, as on the CLI.
func TestSlicesOverHTTP(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	r := get(t, h, "GET", "/api/compare?runs=latest,latest~1&by=category")
	var c struct {
		Summary []struct {
			Model   string `json:"model"`
			Verdict string `json:"verdict"`
			Slice   *struct{ Key, Value string }
		} `json:"summary"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &c); err != nil || len(c.Summary) != 36 {
		t.Fatalf("compare by category: %d pairs, %v", len(c.Summary), err)
	}
	for _, p := range c.Summary {
		if (p.Verdict == "regressed") != (p.Model == "qwen3-coder" && p.Slice.Value == "sql") {
			t.Errorf("%s %+v: %s", p.Model, p.Slice, p.Verdict)
		}
	}
	if r := get(t, h, "GET", "/api/runs/latest/ranking?where=category=sql&by=difficulty"); r.Code != 200 || !strings.Contains(r.Body.String(), `"slice":{"key":"difficulty"`) {
		t.Errorf("ranking by/where: %d %.200s", r.Code, r.Body)
	}
	if r := get(t, h, "GET", "/api/runs/latest/ranking?where=category"); r.Code != 400 {
		t.Errorf("bad where: %d", r.Code)
	}
}

// TestVerdictKeepsOtherRunsCached: a verdict on one run makes that run's answers new and
// leaves the cached answers about the other runs (one verdict emptied the whole cache).
func TestVerdictKeepsOtherRunsCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	var srv *server
	h := newHandler(Deps{Store: store.Open(dir), Token: "t"}, &srv)
	auth := []string{"Authorization", "Bearer t"}
	other, mine := "/api/runs/baseline/ranking", "/api/runs/candidate/ranking"
	for _, u := range []string{other, mine, other, mine} {
		if r := send(h, "GET", u, "", auth...); r.Code != 200 {
			t.Fatalf("%s: %d", u, r.Code)
		}
	}
	before := send(h, "GET", mine, "", auth...).Body.String()
	hits0, misses0 := srv.cache.hits, srv.cache.misses
	if r := send(h, "PATCH", "/api/outcomes/8b2d4e7f10-0000006", `{"verdict":"pass","author":"t"}`, append(auth, "Content-Type", "application/json")...); r.Code != 200 {
		t.Fatalf("PATCH: %d %s", r.Code, r.Body.String())
	}
	send(h, "GET", other, "", auth...)
	if srv.cache.hits != hits0+1 {
		t.Errorf("the other run's answer was not served from the cache after a verdict (hits %d → %d)", hits0, srv.cache.hits)
	}
	after := send(h, "GET", mine, "", auth...).Body.String()
	if srv.cache.misses != misses0+1 || after == before {
		t.Errorf("the run with the verdict was not answered anew (misses %d → %d)", misses0, srv.cache.misses)
	}
}
