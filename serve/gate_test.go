package serve

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/evals-dev/evals/store"
)

// TestAnswerGate: an answer made under the timeout goes out whole, past the timeout
// handler's buffer, with its headers; at a deadline that has already passed, a request
// gets a 503 (the timeout's, or its query's, stopped by the request's context) or, had the
// answer been made first, the whole answer: never the one's status with the other's body.
func TestAnswerGate(t *testing.T) {
	get := func(h http.Handler) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/runs/latest/ranking", nil)
		req.Host = "127.0.0.1"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	whole := get(newHandler(Deps{Store: store.Open(demoDir), CacheBytes: -1}, nil))
	if whole.Code != 200 || !strings.Contains(whole.Body.String(), `"models"`) || !strings.HasPrefix(whole.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("answer through the gate: %d %v %.200s", whole.Code, whole.Header(), whole.Body.String())
	}
	const timedOut = `{"error":{"code":"internal","message":"the request timed out"}}`
	seen := map[int]int{}
	for range 200 {
		rec := get(newHandler(Deps{Store: store.Open(demoDir), CacheBytes: -1, Timeout: time.Nanosecond}, nil))
		seen[rec.Code]++
		switch rec.Code {
		case http.StatusOK:
			if rec.Body.String() != whole.Body.String() {
				t.Fatalf("a 200 with another body: %.200s", rec.Body.String())
			}
		case http.StatusServiceUnavailable:
			// The timeout's own answer, or, where the handler was done first, its own error
			// (its query stopped by the request's context).
			if b := rec.Body.String(); b != timedOut && !strings.HasPrefix(b, `{"error":{"code":`) {
				t.Fatalf("a 503 with another body: %.200s", b)
			}
		default:
			t.Fatalf("status %d: %.200s", rec.Code, rec.Body.String())
		}
	}
	t.Logf("past the deadline: %v", seen)
}

// TestAnswerGateOrders drives the gate with handlers that hand their answer before the
// deadline, hand it and then outlive the deadline, or hand it only after the deadline,
// and one that writes an error instead: each response is whole, one status with its body.
func TestAnswerGateOrders(t *testing.T) {
	const timedOut = "timed out"
	a := &cached{body: []byte(`{"answer":42}`), contentType: "application/json"}
	handlers := map[string]http.HandlerFunc{
		"in time": func(w http.ResponseWriter, r *http.Request) { deliver(w, r, a) },
		"then the deadline": func(w http.ResponseWriter, r *http.Request) {
			deliver(w, r, a)
			<-r.Context().Done()
		},
		"after the deadline": func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			deliver(w, r, a)
		},
		"an error": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":1}`))
		},
	}
	for name, h := range handlers {
		seen := map[int]int{}
		for range 50 {
			d := time.Hour
			if name != "in time" && name != "an error" {
				d = time.Millisecond
			}
			rec := httptest.NewRecorder()
			serveTimed(http.TimeoutHandler(h, d, timedOut), rec, httptest.NewRequest("GET", "/x", nil))
			seen[rec.Code]++
			body := rec.Body.String()
			switch {
			case rec.Code == 200 && body == string(a.body) && rec.Header().Get("Content-Type") == "application/json":
			case rec.Code == 503 && body == timedOut && name == "after the deadline":
			case rec.Code == 400 && body == `{"error":1}` && name == "an error":
			default:
				t.Fatalf("%s: %d %v %q", name, rec.Code, rec.Header(), body)
			}
		}
		t.Logf("%s: %v", name, seen)
	}
}
