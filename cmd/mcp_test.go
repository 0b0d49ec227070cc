package cmd

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/evals-dev/evals/mcp"
	"github.com/evals-dev/evals/store"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpCases are the read tools with arguments, each beside the CLI command that asks the
// same question. maxItems and maxText 0 lift the budget, so the answers are whole.
func mcpCases(outcome string) []struct {
	tool string
	args map[string]any
	cli  string
} {
	return []struct {
		tool string
		args map[string]any
		cli  string
	}{
		{"runs", map[string]any{}, "runs --limit 20"},
		{"run", map[string]any{"run": "latest~1"}, "run latest~1"},
		{"ranking", map[string]any{}, "ranking"},
		{"ranking", map[string]any{"run": []string{"all"}, "by": "category", "where": []string{"difficulty=hard"}}, "ranking --run all --by category --where difficulty=hard"},
		{"compare", map[string]any{"runs": []string{"latest", "latest~1"}}, "compare latest latest~1"},
		{"compare", map[string]any{"runs": []string{"latest", "latest~1"}, "by": "category", "alpha": 0.1}, "compare latest latest~1 --by category --alpha 0.1"},
		{"graders", map[string]any{}, "graders"},
		{"failures", map[string]any{"base": "latest~2"}, "failures --base latest~2"},
		{"tools", map[string]any{"by": "difficulty"}, "tools --by difficulty"},
		{"matrix", map[string]any{"metric": "duration_ms"}, "matrix --metric duration_ms"},
		{"outcomes", map[string]any{"model": []string{"gpt-5"}, "status": []string{"failed"}, "sort": "duration_ms", "order": "desc"}, "outcomes --model gpt-5 --status failed --sort duration_ms --order desc --limit 20"},
		{"outcome", map[string]any{"id": outcome}, "outcome " + outcome},
		{"trajectory", map[string]any{"id": outcome}, "trajectory " + outcome},
		{"trend", map[string]any{"last": 3}, "trend --last 3"},
		{"tags", map[string]any{}, "tags"},
		{"metrics", map[string]any{}, "metrics"},
		{"power", map[string]any{"from": "latest", "delta": []float64{5, 10}}, "power --from latest --delta 5,10"},
	}
}

func sameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(x, y) {
		t.Errorf("%s: the tool's answer differs from the CLI's --json:\ntool %.400s\ncli  %.400s", what, a, b)
	}
}

func connectMCP(t *testing.T, tr sdk.Transport) *sdk.ClientSession {
	t.Helper()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// checkAnswers calls every read tool over a session and holds each answer to the CLI's.
func checkAnswers(t *testing.T, cs *sdk.ClientSession) {
	t.Helper()
	first := run(t, false, "outcomes", "--status", "failed", "--limit", "1", "--json", "--jq", ".items[0].id")
	outcome := strings.Trim(strings.TrimSpace(first.out), `"`)
	seen := map[string]bool{}
	for _, c := range mcpCases(outcome) {
		args := map[string]any{"maxItems": 0, "maxText": 0}
		for k, v := range c.args {
			args[k] = v
		}
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: c.tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", c.tool, err)
		}
		if res.IsError {
			t.Errorf("%s %v: %v", c.tool, c.args, res.Content)
			continue
		}
		got, _ := json.Marshal(res.StructuredContent)
		cli := run(t, false, append(strings.Fields(c.cli), "--json")...)
		if cli.code != 0 {
			t.Fatalf("evals %s: %+v", c.cli, cli)
		}
		sameJSON(t, c.tool+" / evals "+c.cli, got, []byte(cli.out))
		seen[c.tool] = true
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range list.Tools {
		if !seen[tl.Name] {
			t.Errorf("tool %s is not held to the CLI", tl.Name)
		}
	}
}

// TestMCPAnswersAreTheCLIJSON: in memory, every read tool's structured content equals
// `evals … --json` for the same arguments.
func TestMCPAnswersAreTheCLIJSON(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	ct, st := sdk.NewInMemoryTransports()
	ss, err := mcp.New(mcp.Deps{Store: store.Open(demoDir)}).Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	checkAnswers(t, connectMCP(t, ct))
}

// TestMCPOverStdio: evals mcp as a process (this test binary re-executed as evals) spoken
// to over stdin and stdout by the SDK's client: the same answers as the CLI, and a write
// without --allow-writes refused.
func TestMCPOverStdio(t *testing.T) {
	t.Parallel() // its own store, or the shared demo read only
	if testing.Short() {
		t.Skip("spawns processes")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "EVALS_TEST_MAIN=mcp --store "+demoDir)
	cs := connectMCP(t, &sdk.CommandTransport{Command: cmd})
	checkAnswers(t, cs)
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "annotate", Arguments: map[string]any{"id": "8b2d4e7f10-0000006", "verdict": "pass"}})
	if err == nil && !res.IsError {
		t.Fatal("annotate answered without --allow-writes")
	}
	res, err = cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "run", Arguments: map[string]any{"run": "nope"}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*sdk.TextContent).Text, "(not_found)") {
		t.Fatalf("a missing run over stdio: %v %+v", err, res)
	}
}
