package cmd

import (
	"net/http/httptest"
	"testing"

	"github.com/evals-dev/evals/serve"
	"github.com/evals-dev/evals/store"
)

// TestServeBodiesEqualCLI holds every endpoint's body to the bytes of the matching CLI
// command with --json on a pipe.
func TestServeBodiesEqualCLI(t *testing.T) {
	h := serve.NewHandler(serve.Deps{Store: store.Open(demoDir)})
	oid := "8b2d4e7f10-0000006"
	cases := []struct {
		url  string
		args []string
	}{
		{"/api/runs", []string{"runs"}},
		{"/api/runs?limit=2", []string{"runs", "--limit", "2"}},
		{"/api/runs/latest", []string{"run", "latest"}},
		{"/api/runs/latest/ranking", []string{"ranking", "--run", "latest"}},
		{"/api/runs/latest~1/graders", []string{"graders", "--run", "latest~1"}},
		{"/api/runs/latest/tools", []string{"tools"}},
		{"/api/runs/latest/matrix?metric=cost_usd", []string{"matrix", "--metric", "cost_usd"}},
		{"/api/runs/latest/outcomes?model=gpt-5&status=failed&limit=7", []string{"outcomes", "--model", "gpt-5", "--status", "failed", "--limit", "7"}},
		{"/api/outcomes?limit=5&sort=duration_ms&order=desc", []string{"outcomes", "--run", "all", "--limit", "5", "--sort", "duration_ms", "--order", "desc"}},
		{"/api/outcomes/" + oid, []string{"outcome", oid}},
		{"/api/outcomes/" + oid + "/tools", []string{"outcome", oid, "--tools"}},
		{"/api/outcomes/" + oid + "/trajectory", []string{"trajectory", oid}},
		{"/api/runs/latest/compare?modelA=gpt-5&modelB=qwen3-coder", []string{"compare", "latest", "--models", "gpt-5,qwen3-coder"}},
		{"/api/compare?runs=latest,latest~1", []string{"compare", "latest", "latest~1"}},
		{"/api/metrics", []string{"metrics"}},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", c.url, nil)
		req.Host = "127.0.0.1:3200"
		h.ServeHTTP(rec, req)
		r := run(t, false, append(c.args, "--json")...)
		if rec.Code != 200 || r.code != 0 {
			t.Fatalf("%s: %d; %v: exit %d %s", c.url, rec.Code, c.args, r.code, r.err)
		}
		if rec.Body.String() != r.out {
			t.Errorf("%s differs from evals %v --json", c.url, c.args)
		}
	}
}
