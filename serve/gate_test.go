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

// TestAnswerGateOrders: the gate given an answer before the timeout handler writes its 503
// drops that 503 and the answer goes out; given the 503 first, it takes no answer. Then
// through http.TimeoutHandler itself: an answer in time, an error, and answers racing a
// 1 ms deadline (either order may win on a loaded machine): each response is whole, one
// status with its body.
func TestAnswerGateOrders(t *testing.T) {
	const timedOut = "timed out"
	a := &cached{body: []byte(`{"answer":42}`), contentType: "application/json"}
	req := httptest.NewRequest("GET", "/x", nil)

	rec := httptest.NewRecorder()
	g := &answerGate{ResponseWriter: rec}
	if !g.hand(a) {
		t.Fatal("a fresh gate refused the answer")
	}
	g.WriteHeader(http.StatusServiceUnavailable) // the timeout handler, a moment late
	g.Write([]byte(timedOut))
	if got := g.take(); got != a {
		t.Fatal("the answer handed was not taken")
	}
	serveAnswer(rec, req, a)
	if rec.Code != 200 || rec.Body.String() != string(a.body) {
		t.Fatalf("answer first: %d %q", rec.Code, rec.Body.String())
	}

	rec = httptest.NewRecorder()
	g = &answerGate{ResponseWriter: rec}
	g.WriteHeader(http.StatusServiceUnavailable)
	g.Write([]byte(timedOut))
	if g.hand(a) || g.take() != nil {
		t.Fatal("the gate took an answer after the timeout's 503 went out")
	}
	if rec.Code != 503 || rec.Body.String() != timedOut {
		t.Fatalf("timeout first: %d %q", rec.Code, rec.Body.String())
	}

	handlers := map[string]http.HandlerFunc{
		"in time": func(w http.ResponseWriter, r *http.Request) { deliver(w, r, a) },
		"an error": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":1}`))
		},
		"racing, then the deadline": func(w http.ResponseWriter, r *http.Request) {
			deliver(w, r, a)
			<-r.Context().Done()
		},
		"racing, after the deadline": func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			deliver(w, r, a)
		},
	}
	for name, h := range handlers {
		seen := map[int]int{}
		for range 50 {
			d := time.Hour
			if strings.HasPrefix(name, "racing") {
				d = time.Millisecond
			}
			rec := httptest.NewRecorder()
			serveTimed(http.TimeoutHandler(h, d, timedOut), rec, httptest.NewRequest("GET", "/x", nil))
			seen[rec.Code]++
			body := rec.Body.String()
			switch {
			case rec.Code == 200 && body == string(a.body) && rec.Header().Get("Content-Type") == "application/json" && name != "an error":
			case rec.Code == 503 && body == timedOut && strings.HasPrefix(name, "racing"):
			case rec.Code == 400 && body == `{"error":1}` && name == "an error":
			default:
				t.Fatalf("%s: %d %v %q", name, rec.Code, rec.Header(), body)
			}
		}
		t.Logf("%s: %v", name, seen)
	}
}
