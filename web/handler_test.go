package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evals-dev/evals/serve"
	"github.com/evals-dev/evals/store"
)

// Dashboard pages follow the API's rule: a query string Go cannot parse whole (10,000
// parameters or more, a bad escape) is refused, not answered from the part it parsed.
func TestPagesRefuseAnUnparsedQuery(t *testing.T) {
	h := serve.NewHandler(serve.Deps{Store: store.Open(t.TempDir())})
	for _, q := range []string{strings.Repeat("a=1&", 10001), "tab=%zz"} {
		req := httptest.NewRequest("GET", "/runs/latest?"+q, nil)
		req.Host = "127.0.0.1"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "invalid query string") {
			t.Errorf("%.20s…: %d %.200s", q, rec.Code, rec.Body.String())
		}
	}
}
