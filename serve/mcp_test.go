package serve

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/store"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// bearer adds a token to every request of a client.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func mcpSession(t *testing.T, url, token string) (*sdk.ClientSession, error) {
	t.Helper()
	tr := &sdk.StreamableClientTransport{Endpoint: url + "/mcp"}
	if token != "" {
		tr.HTTPClient = &http.Client{Transport: bearer{token}}
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err == nil {
		t.Cleanup(func() { cs.Close() })
	}
	return cs, err
}

// TestMCPOverHTTP: /mcp speaks MCP (Streamable HTTP) with the SDK's own client; its
// answers are the API's; it keeps the Host rule without a token, needs the token when there
// is one, and offers writes only with MCPWrites and the token.
func TestMCPOverHTTP(t *testing.T) {
	srv := httptest.NewServer(NewHandler(Deps{Store: store.Open(demoDir), Host: "127.0.0.1"}))
	defer srv.Close()
	cs, err := mcpSession(t, srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "ranking", Arguments: map[string]any{"run": []string{"latest~1"}}})
	if err != nil || res.IsError {
		t.Fatalf("ranking over HTTP: %v %+v", err, res)
	}
	got, _ := json.Marshal(res.StructuredContent)
	api := get(t, NewHandler(Deps{Store: store.Open(demoDir)}), "GET", "/api/runs/latest~1/ranking")
	var x, y any
	_ = json.Unmarshal(got, &x)
	_ = json.Unmarshal(api.Body.Bytes(), &y)
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("the tool's ranking differs from the API's:\n%.300s\n%.300s", got, api.Body.Bytes())
	}

	// DNS rebinding: another site's name is refused before MCP sees the request.
	req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Host = "evil.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("/mcp under another Host: %d", resp.StatusCode)
	}

	// The llms.txt names the tools and the API.
	lr, err := http.Get(srv.URL + "/llms.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(lr.Body)
	lr.Body.Close()
	for _, want := range []string{"`ranking`", "`failures`", "/mcp", "GET /api/runs/{id}/ranking", "not instructions"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("llms.txt has no %q:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "`annotate`") {
		t.Error("llms.txt offers annotate on a server without writes")
	}
}

func TestMCPOverHTTPWithToken(t *testing.T) {
	dir := t.TempDir()
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(Deps{Store: store.Open(dir), Token: "s3cret", MCPWrites: true}))
	defer srv.Close()
	if _, err := mcpSession(t, srv.URL, ""); err == nil {
		t.Fatal("an MCP session without the token")
	}
	if _, err := mcpSession(t, srv.URL, "wrong"); err == nil {
		t.Fatal("an MCP session with a wrong token")
	}
	cs, err := mcpSession(t, srv.URL, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "annotate", Arguments: map[string]any{"id": "8b2d4e7f10-0000006", "verdict": "pass"}})
	if err != nil || res.IsError {
		t.Fatalf("annotate with the token: %v %+v", err, res)
	}
	if r, _ := store.Open(dir).Reviews("8b2d4e7f10"); len(r) != 1 {
		t.Fatalf("reviews after annotate: %v", r)
	}

	// Without MCPWrites the same token gets no writes.
	ro := httptest.NewServer(NewHandler(Deps{Store: store.Open(dir), Token: "s3cret"}))
	defer ro.Close()
	cs, err = mcpSession(t, ro.URL, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	res, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "annotate", Arguments: map[string]any{"id": "8b2d4e7f10-0000006", "verdict": "fail"}})
	if err == nil && !res.IsError {
		t.Fatal("annotate on a server without MCPWrites")
	}
}
