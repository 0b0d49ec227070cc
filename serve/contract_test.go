package serve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestBodiesMatchTheDocument: every answer of the golden routes, the writes, the sessions
// and the errors validates against its operation in the served OpenAPI document, with a
// real validator (kin-openapi).
func TestBodiesMatchTheDocument(t *testing.T) {
	h := NewHandler(Deps{Store: store.Open(demoDir)})
	rec := get(t, h, "GET", "/api/openapi.json")
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://example.test"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	oid := "8b2d4e7f10-0000006"
	check := func(h http.Handler, method, url, body string, hdr ...string) {
		t.Helper()
		req := httptest.NewRequest(method, "http://example.test"+url, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		served := req.Clone(req.Context())
		served.Host = "127.0.0.1" // the handler serves loopback names only without a token
		h.ServeHTTP(w, served)
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: no operation in the document: %v", method, url, err)
			return
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Errorf("%s %s: the request does not match its operation: %v", method, url, err)
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: w.Code, Header: w.Header(),
			Body: io.NopCloser(bytes.NewReader(w.Body.Bytes())), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("%s %s (%d): the body does not match its schema: %v", method, url, w.Code, err)
		}
	}
	for _, u := range []string{
		"/api/health", "/api/metrics", "/api/runs", "/api/runs?limit=2", "/api/runs/latest", "/api/runs/baseline/outcomes?limit=3&status=error",
		"/api/runs/latest/ranking", "/api/runs/latest/graders", "/api/runs/latest/tools", "/api/runs/latest~1/matrix?metric=duration_ms",
		"/api/runs/latest/compare?modelA=gpt-5&modelB=qwen3-coder", "/api/outcomes?limit=2&model=gpt-5&passed=false&sort=duration_ms&order=desc",
		"/api/outcomes/" + oid, "/api/outcomes/" + oid + "/trajectory", "/api/outcomes/" + oid + "/tools",
		"/api/compare?runs=latest,latest~1", "/api/openapi.json", "/api/runs/latest/export/json", "/api/sessions", "/api/sessions/demo/runs",
		"/api/runs/latest/ranking?verdicts=graded",
		// errors
		"/api/runs/nope", "/api/outcomes?limit=0", "/api/compare?runs=latest",
	} {
		check(h, "GET", u, "")
	}
	// Writes, on a store of their own.
	dir := t.TempDir()
	copyDemo(t, dir)
	wh := NewHandler(Deps{Store: store.Open(dir), Token: "t"})
	auth := []string{"Authorization", "Bearer t"}
	check(wh, "PATCH", "/api/outcomes/"+oid, `{"verdict":"pass","note":"n","labels":{"a":"b","c":null},"author":"x"}`, auth...)
	check(wh, "PATCH", "/api/runs/latest", `{"name":"renamed","session":"s","labels":{"k":"v"}}`, auth...)
	check(wh, "DELETE", "/api/runs/latest~2", "", auth...)
	check(wh, "DELETE", "/api/sessions/s", "", auth...)
	check(wh, "PATCH", "/api/runs/latest", `{"name":"x"}`) // 401
}

// copyDemo writes a demo store into dir, for tests that write.
func copyDemo(t *testing.T, dir string) {
	t.Helper()
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
}
