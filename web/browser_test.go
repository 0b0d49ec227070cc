package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/evals-dev/evals/format"
	"github.com/evals-dev/evals/ingest"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/serve"
	"github.com/evals-dev/evals/store"
	"github.com/evals-dev/evals/web"
)

// chromium finds the system's Chromium; without one the browser tests are skipped, except
// under CI, where .ci/run installed it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: .ci/run installs it (apt-get install -y chromium)")
	}
	t.Skip("chromium not installed (apt-get install -y chromium)")
	return ""
}

// browser starts a headless Chromium and records console errors, uncaught exceptions and
// failed requests.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	faults []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	// The profile folder is ours to remove: Chromium's helper processes may still write to
	// it for a moment after the browser is gone, which t.TempDir's cleanup takes as a failure.
	profile, err := os.MkdirTemp("", "evals-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("allow-file-access-from-files", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 800))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA(); _ = os.RemoveAll(profile) })
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				b.faults = append(b.faults, fmt.Sprintf("console error: %v", e.Args))
			}
		case *runtime.EventExceptionThrown:
			b.faults = append(b.faults, "exception: "+e.ExceptionDetails.Text)
		case *network.EventLoadingFailed:
			b.faults = append(b.faults, "failed request: "+e.ErrorText)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				b.faults = append(b.faults, fmt.Sprintf("HTTP %d: %s", int(e.Response.Status), e.Response.URL))
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable(), runtime.Enable()); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) noFaults(t *testing.T, where string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.faults) > 0 {
		t.Errorf("%s: %s", where, strings.Join(b.faults, "; "))
	}
	b.faults = nil
}

func demoServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	st := store.Open(dir)
	srv := httptest.NewServer(serve.NewHandler(serve.Deps{Store: st}))
	t.Cleanup(srv.Close)
	return srv, st
}

// TestDashboardInChromium loads every page in a real browser, follows the funnel from the
// runs to one outcome's trajectory and on to the compare, checks numbers against the API,
// reproduces a view from its URL, takes screenshots, and opens the static report from disk.
func TestDashboardInChromium(t *testing.T) {
	srv, st := demoServer(t)
	b := newBrowser(t)
	base := srv.URL

	// Every page loads, with no console error and no failed request.
	for _, path := range []string{"/", "/runs/latest?tab=ranking", "/runs/latest?tab=graders", "/runs/latest?tab=tools",
		"/runs/latest?tab=matrix", "/runs/latest?tab=matrix&metric=duration_ms", "/runs/latest?tab=outcomes",
		"/runs/latest?tab=outcomes&status=failed&page=2", "/outcomes/8b2d4e7f10-0000006", "/compare?runs=latest,latest~1",
		"/runs/latest?tab=failures", "/runs/latest?tab=outcomes&mode=fm-23214997", "/diff?base=5f3a9c1e02-0000774&new=8b2d4e7f10-0000774",
		"/runs/latest~2?tab=ranking"} {
		var h1 string
		b.run(t, chromedp.Navigate(base+path), chromedp.Text("h1", &h1, chromedp.ByQuery))
		if h1 == "" || strings.Contains(h1, "internal") {
			t.Errorf("%s: heading %q", path, h1)
		}
		b.noFaults(t, path)
	}

	// The funnel: runs → run → the worst model's failures → an outcome's evidence → its
	// trajectory → back → compare with the previous run: regressions first.
	var worst, evidence, firstEvent, firstChange, verdict string
	var events int
	b.run(t,
		chromedp.Navigate(base+"/"),
		chromedp.Click(`a[href^="/runs/8b2d4e7f10"]`, chromedp.ByQuery), chromedp.WaitVisible("#ranking", chromedp.ByQuery),
		chromedp.Text("#ranking tbody tr:last-child td:nth-child(2)", &worst, chromedp.ByQuery),
		chromedp.Click("#ranking tbody tr:last-child td:nth-child(2) a", chromedp.ByQuery), chromedp.WaitVisible("#outcomes", chromedp.ByQuery),
		chromedp.Click("#outcomes tbody tr:first-child td:first-child a", chromedp.ByQuery), chromedp.WaitVisible("#transcript", chromedp.ByQuery),
		chromedp.Text("#verdicts pre", &evidence, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#transcript > li").length`, &events),
		chromedp.Text("#transcript > li:first-child pre", &firstEvent, chromedp.ByQuery),
		chromedp.Navigate(base+"/"),
		chromedp.Click(`a[href^="/compare?runs=8b2d4e7f10"]`, chromedp.ByQuery), chromedp.WaitVisible("#changes", chromedp.ByQuery),
		chromedp.Text("#changes tbody tr:first-child td:first-child", &firstChange, chromedp.ByQuery),
		chromedp.Text(`#compare-summary tr[data-model="qwen3-coder"] td.verdict`, &verdict, chromedp.ByQuery),
	)
	if worst != "mistral-large-3" || evidence == "" || events == 0 || firstEvent == "" || !strings.HasPrefix(firstChange, "regressed") || verdict != "regressed" {
		t.Errorf("funnel: worst %q, evidence %q, %d events (first %q), first change %q, qwen3-coder %q", worst, evidence, events, firstEvent, firstChange, verdict)
	}
	b.noFaults(t, "funnel")

	// Picking three runs on the runs page compares them.
	var pairs int
	b.run(t, chromedp.Navigate(base+"/"),
		chromedp.Click(`input[value="8b2d4e7f10"]`, chromedp.ByQuery), chromedp.Click(`input[value="5f3a9c1e02"]`, chromedp.ByQuery),
		chromedp.Click(`input[value="1c9e0a3b44"]`, chromedp.ByQuery), chromedp.Click(`button[form="pick"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#compare-summary", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#compare-summary tbody tr").length`, &pairs))
	if pairs != 12 {
		t.Errorf("compare of three picked runs: %d pairs, want 12 (6 models × 2 baselines)", pairs)
	}
	b.noFaults(t, "pick")

	// The numbers on the page are the API's.
	rk, err := query.RankingOf(st, query.Scope{Runs: []string{"latest"}})
	if err != nil {
		t.Fatal(err)
	}
	var shown map[string]string
	b.run(t, chromedp.Navigate(base+"/runs/latest?tab=ranking"),
		chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("#ranking tbody tr")].map(r => [r.dataset.model, r.querySelector(".pass-rate").textContent]))`, &shown))
	var api struct {
		Models []struct {
			Model    string   `json:"model"`
			PassRate *float64 `json:"passRate"`
		} `json:"models"`
	}
	resp, err := http.Get(base + "/api/runs/latest/ranking")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&api)
	resp.Body.Close()
	if len(api.Models) != len(rk.Models) || len(shown) != len(api.Models) {
		t.Fatalf("models: page %d, API %d", len(shown), len(api.Models))
	}
	for _, m := range api.Models {
		if shown[m.Model] != format.Pct(m.PassRate) {
			t.Errorf("%s: page %q, API %s", m.Model, shown[m.Model], format.Pct(m.PassRate))
		}
	}
	// The money question: cost per pass in the table, the frontier drawn with a dot per
	// model, each the API's.
	var perPass map[string]string
	var dots, frontier int
	b.run(t, chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll("#ranking tbody tr")].map(r => [r.dataset.model, r.querySelector(".cost-per-pass").textContent]))`, &perPass),
		chromedp.Evaluate(`document.querySelectorAll("#cost-frontier circle").length`, &dots),
		chromedp.Evaluate(`document.querySelectorAll("#cost-frontier circle.on-frontier").length`, &frontier))
	onFrontier := 0
	for _, m := range rk.Models {
		if shown := perPass[m.Model]; shown != format.USD(*m.CostPerPassUSD) {
			t.Errorf("%s: cost per pass %q on the page, %s in the answer", m.Model, shown, format.USD(*m.CostPerPassUSD))
		}
		if *m.OnFrontier {
			onFrontier++
		}
	}
	if dots != len(rk.Models) || frontier != onFrontier {
		t.Errorf("cost chart: %d dots (%d on the frontier), want %d (%d)", dots, frontier, len(rk.Models), onFrontier)
	}

	// A copied URL reproduces the view.
	var href, first, again string
	b.run(t, chromedp.Navigate(base+"/runs/latest?tab=outcomes"),
		chromedp.SetValue(`select[name="model"]`, "gpt-5", chromedp.ByQuery),
		chromedp.SetValue(`select[name="status"]`, "failed", chromedp.ByQuery),
		chromedp.SetValue(`select[name="sort"]`, "duration_ms", chromedp.ByQuery),
		// Wait for what only the next page has: the filtered page marks its model selected,
		// page 2 has a link back.
		chromedp.Click(`form.filters button`, chromedp.ByQuery), chromedp.WaitReady(`select[name="model"] option[selected]`, chromedp.ByQuery),
		chromedp.Click(`a[rel="next"]`, chromedp.ByQuery), chromedp.WaitReady(`a[rel="prev"]`, chromedp.ByQuery),
		chromedp.Location(&href), chromedp.Text("#outcomes tbody tr:first-child td:first-child", &first, chromedp.ByQuery))
	b.run(t, chromedp.Navigate("about:blank"), chromedp.Navigate(href),
		chromedp.Text("#outcomes tbody tr:first-child td:first-child", &again, chromedp.ByQuery))
	if !strings.Contains(href, "model=gpt-5") || !strings.Contains(href, "page=2") || first == "" || first != again {
		t.Errorf("URL state: %s: %q then %q", href, first, again)
	}
	b.noFaults(t, "filters")

	// Screenshots, light and dark, wide and narrow.
	shots := os.Getenv("EVALS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, v := range []struct {
		name   string
		w, h   int64
		scheme string
	}{{"wide-light", 1280, 800, "light"}, {"wide-dark", 1280, 800, "dark"}, {"narrow-light", 390, 844, "light"}, {"narrow-dark", 390, 844, "dark"}} {
		for _, p := range []struct{ name, path string }{{"runs", "/"}, {"ranking", "/runs/latest?tab=ranking"}, {"outcome", "/outcomes/8b2d4e7f10-0001927"},
			{"compare", "/compare?runs=latest,latest~1"}, {"failures", "/runs/latest?tab=failures"}, {"diff", "/diff?base=5f3a9c1e02-0000774&new=8b2d4e7f10-0000774"},
			{"stimulus", "/stimulus?run=latest&name=sql/fix-json-schema&filter=disagree"}} {
			var png []byte
			b.run(t, chromedp.EmulateViewport(v.w, v.h),
				emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v.scheme}}),
				chromedp.Navigate(base+p.path), chromedp.CaptureScreenshot(&png))
			var wide string
			b.run(t, chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1 ?
				[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".scroll, pre")).slice(0, 3).map(e => e.tagName + "." + e.className).join(" ") || "?" : ""`, &wide))
			if wide != "" {
				t.Errorf("%s %s: the page is wider than the window (%s)", p.name, v.name, wide)
			}
			if err := os.WriteFile(filepath.Join(shots, p.name+"-"+v.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.run(t, chromedp.EmulateViewport(1280, 800), emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}))
	b.noFaults(t, "screenshots")

	// The static report opens from file:// and links through. (A small store: the demo's
	// 2,000 outcome pages take long under the race detector.)
	small := smallStore(t)
	dir := t.TempDir()
	runs, _, _ := small.Runs()
	if _, err := web.WriteReport(small, dir, runs); err != nil {
		t.Fatal(err)
	}
	var reportH1, runH1, outcomeH1 string
	b.run(t, chromedp.Navigate("file://"+filepath.Join(dir, "index.html")), chromedp.Text("h1", &reportH1, chromedp.ByQuery),
		chromedp.Click(`a[href="run-`+runs[0].ID+`-ranking.html"]`, chromedp.ByQuery), chromedp.WaitVisible("#ranking", chromedp.ByQuery),
		chromedp.Text("h1", &runH1, chromedp.ByQuery),
		chromedp.Click(`a[href="run-`+runs[0].ID+`-outcomes.html"]`, chromedp.ByQuery), chromedp.WaitVisible("#outcomes", chromedp.ByQuery),
		chromedp.Click(`#outcomes a[href^="outcome-"]`, chromedp.ByQuery), chromedp.WaitVisible("#transcript", chromedp.ByQuery),
		chromedp.Text("h1", &outcomeH1, chromedp.ByQuery))
	if reportH1 != "Runs" || !strings.Contains(runH1, "small-new") || outcomeH1 == "" {
		t.Errorf("static report: %q, %q, %q", reportH1, runH1, outcomeH1)
	}
	b.noFaults(t, "static report")

	// It stays live: a run imported while the runs page is open appears without a reload.
	b.run(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible("table", chromedp.ByQuery))
	f := filepath.Join(t.TempDir(), "late.jsonl")
	os.WriteFile(f, []byte(`{"type":"run","name":"arrived-late"}`+"\n"+`{"stimulus":"s","model":"m","passed":true}`+"\n"), 0o644)
	if _, err := ingest.ImportFile(context.Background(), st.Root(), f, "", ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	b.run(t, chromedp.WaitVisible(`//a[normalize-space(.)="arrived-late"]`, chromedp.BySearch))
	b.noFaults(t, "live")
}

// smallStore has two runs of 2 models × 12 stimuli, with trajectories and graders.
func smallStore(t *testing.T) *store.Store {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "store")
	for i, name := range []string{"small-old", "small-new"} {
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"run","name":%q,"createdAt":"2026-11-0%dT00:00:00Z"}`+"\n", name, i+1)
		for s := 0; s < 12; s++ {
			for _, m := range []string{"m1", "m2"} {
				pass := (s+i)%3 != 0
				fmt.Fprintf(&b, `{"stimulus":"task-%02d","model":%q,"passed":%v,"output":"answer %d","expected":"answer 0","graders":[{"name":"exact","passed":%v,"evidence":"compared"}],"events":[{"type":"message","role":"assistant","content":"thinking"},{"type":"tool_call","tool":"bash","content":"ls"}]}`+"\n", s, m, pass, s, pass)
			}
		}
		f := filepath.Join(dir, name+".jsonl")
		os.WriteFile(f, []byte(b.String()), 0o644)
		if _, err := ingest.ImportFile(context.Background(), root, f, "", ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return store.Open(root)
}

// TestHostileOutcomeIsInert: a crafted outcome renders as text in the browser: no script
// runs, no element is injected, and the CSP holds.
func TestHostileOutcomeIsInert(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "evil.jsonl")
	os.WriteFile(f, []byte(`{"type":"run","name":"evil <script>window.pwned=1</script>"}
{"stimulus":"<img src=x onerror=\"window.pwned=2\">","model":"<b id=injected>m</b>","passed":false,"output":"</pre><script>window.pwned=3</script><img src=x onerror=\"window.pwned=4\"> \u202eevil","expected":"ok","graders":[{"name":"g","passed":false,"evidence":"<a id=injected2 href=\"javascript:window.pwned=5\">x</a>"}],"events":[{"type":"message","content":"<svg onload=\"window.pwned=6\"></svg>"}]}
`), 0o644)
	root := filepath.Join(dir, "store")
	res, err := ingest.ImportFile(context.Background(), root, f, "", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serve.NewHandler(serve.Deps{Store: store.Open(root)}))
	defer srv.Close()
	b := newBrowser(t)
	id := res[0].Run.ID
	for _, path := range []string{"/", "/runs/" + id + "?tab=ranking", "/runs/" + id + "?tab=graders", "/runs/" + id + "?tab=outcomes", "/runs/" + id + "?tab=matrix", "/outcomes/" + id + "-0000000"} {
		var pwned any
		var injected int
		var text string
		b.run(t, chromedp.Navigate(srv.URL+path),
			chromedp.Evaluate(`window.pwned === undefined ? null : window.pwned`, &pwned),
			chromedp.Evaluate(`document.querySelectorAll("#injected, #injected2, main img, main script, main svg[onload]").length`, &injected),
			chromedp.Text("main", &text, chromedp.ByQuery))
		if pwned != nil || injected != 0 {
			t.Errorf("%s: script ran (%v) or %d elements injected", path, pwned, injected)
		}
		if path == "/outcomes/"+id+"-0000000" && !strings.Contains(text, "<script>window.pwned=3</script>") {
			t.Errorf("the crafted output is not shown as text")
		}
		if path == "/outcomes/"+id+"-0000000" && (strings.ContainsRune(text, '\u202e') || !strings.Contains(text, "[U+202E]evil")) {
			t.Errorf("a bidi override is live in the page, not shown as a marker")
		}
	}
	b.noFaults(t, "hostile outcome")
}

// TestDashboardTiming reports the browser's own Navigation Timing for the main pages of the
// store at EVALS_BENCH_STORE (bench/: the 1M store). It measures; it asserts nothing about
// time (a loaded CI machine is slower), only that each page weighs at most 200 KB.
func TestDashboardTiming(t *testing.T) {
	dir := os.Getenv("EVALS_BENCH_STORE")
	if dir == "" {
		t.Skip("EVALS_BENCH_STORE is not set")
	}
	srv := httptest.NewServer(serve.NewHandler(serve.Deps{Store: store.Open(dir)}))
	defer srv.Close()
	b := newBrowser(t)
	for _, path := range []string{"/", "/runs/latest?tab=ranking", "/runs/latest?tab=outcomes", "/runs/latest?tab=matrix", "/runs/latest?tab=graders", "/compare?runs=latest,latest~1"} {
		for i := 0; i < 4; i++ { // the first load warms the page cache; report the last
			var timing map[string]float64
			b.run(t, chromedp.Navigate(srv.URL+path), chromedp.Evaluate(`(() => { const n = performance.getEntriesByType("navigation")[0];
				return {ttfb: n.responseStart - n.startTime, html: n.responseEnd - n.startTime, load: n.loadEventEnd - n.startTime, bytes: n.decodedBodySize}; })()`, &timing))
			if i == 3 {
				t.Logf("%-40s first byte %5.1f ms, HTML %5.1f ms, load %5.1f ms, %6.0f bytes", path, timing["ttfb"], timing["html"], timing["load"], timing["bytes"])
				if timing["bytes"] > 200<<10 {
					t.Errorf("%s weighs %.0f bytes, over 200 KB", path, timing["bytes"])
				}
			}
		}
	}
}

// TestWhyItFailedInChromium: a real Inspect agent sample renders as paired steps, the
// failures tab lists the demo's planted modes and opens their outcomes, and a regression
// on the compare page opens its transcript diff with the divergence marked.
func TestWhyItFailedInChromium(t *testing.T) {
	srv, st := demoServer(t)
	// The Inspect sample with bash tool calls and tool messages (log_message_deduplication.eval).
	res, err := ingest.ImportFile(context.Background(), st.Root(), filepath.Join("..", "testdata", "harness", "inspect", "log_message_deduplication.eval"), "", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	var title string
	var pairs []string
	if len(res) != 1 {
		t.Fatalf("imported %d runs", len(res))
	}
	b.run(t, chromedp.Navigate(srv.URL+"/outcomes/"+res[0].Run.ID+"-0000000"), chromedp.WaitVisible("#transcript", chromedp.ByQuery),
		chromedp.Title(&title),
		chromedp.Evaluate(`[...document.querySelectorAll("#transcript .step-tool")].map(s =>
			s.querySelector(".step-label").textContent + ": " + s.querySelector(".tool-call pre").textContent.trim().split("\n").join(" ") + " → " + (s.querySelector(".tool-result pre") || {textContent: ""}).textContent.trim().split("\n")[0])`, &pairs))
	if len(pairs) == 0 || !strings.HasPrefix(pairs[0], "bash: {") || strings.HasSuffix(pairs[0], "→ ") {
		t.Errorf("tool calls beside their results: %q", pairs)
	}
	if !strings.Contains(title, " · hardcoded/hardcoded · trial 0 · failed") {
		t.Errorf("title %q: want stimulus · model · trial · verdict", title)
	}
	t.Logf("%d paired tool steps, first %q", len(pairs), pairs[0])
	b.noFaults(t, "inspect transcript")

	var modes []string
	var opened int
	b.run(t, chromedp.Navigate(srv.URL+"/runs/candidate?tab=failures"), chromedp.WaitVisible("#failures", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll("#failures .mode-sig")].map(a => a.textContent)`, &modes),
		chromedp.Click(`#failures li[data-mode="fm-23214997"] .mode-sig`, chromedp.ByQuery), chromedp.WaitVisible("#outcomes", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#outcomes tbody tr").length`, &opened))
	for _, planted := range []string{"tests failed", "ImportError", "AssertionError: assert None", "no such column", "timeout after", "rate limited"} {
		n := 0
		for _, m := range modes {
			if strings.Contains(m, planted) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("planted mode %q: in %d listed modes (%q)", planted, n, modes)
		}
	}
	if opened != 33 {
		t.Errorf("the new sql mode opens %d outcomes, want 33", opened)
	}
	b.noFaults(t, "failures tab")

	var marked, divergeNote string
	var rows int
	b.run(t, chromedp.Navigate(srv.URL+"/compare?runs=candidate,baseline"), chromedp.WaitVisible("#changes", chromedp.ByQuery),
		chromedp.Click(`#changes a.diff-link`, chromedp.ByQuery), chromedp.WaitVisible("#divergence", chromedp.ByQuery),
		chromedp.Text("#divergence .divergence-mark", &marked, chromedp.ByQuery),
		chromedp.Text("#divergence-note", &divergeNote, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#transcript-diff .divergence").length`, &rows))
	if marked != "first divergence" || rows != 1 || !strings.Contains(divergeNote, "diverge at row") {
		t.Errorf("transcript diff: mark %q, %d marked rows, note %q", marked, rows, divergeNote)
	}
	b.noFaults(t, "transcript diff")

	// A stimulus puts every model side by side, reasons inline; "models disagree" steps
	// through the stimuli where some model passes and another fails.
	var models, reasons int
	var next string
	b.run(t, chromedp.Navigate(srv.URL+"/runs/candidate?tab=matrix"), chromedp.WaitVisible("table.heat", chromedp.ByQuery),
		chromedp.Click(`table.heat a[href*="sql%2Ffix-json-schema"]`, chromedp.ByQuery), chromedp.WaitVisible("#stimulus-models", chromedp.ByQuery),
		chromedp.Click(`.stim-nav a[href*="filter=disagree"]`, chromedp.ByQuery), chromedp.WaitVisible(`.stim-nav a[aria-current="page"][href*="disagree"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#stimulus-models .stim-model").length`, &models),
		chromedp.Evaluate(`document.querySelectorAll("#stimulus-models .trial-failed .reason-cell").length`, &reasons),
		chromedp.AttributeValue(`.stim-nav a[rel="next"]`, "href", &next, nil, chromedp.ByQuery))
	if models != 6 || reasons != 6 || !strings.Contains(next, "filter=disagree") {
		t.Errorf("stimulus page: %d models, %d failed trials with reasons (want 6: gpt-5 and qwen3-coder), next %q", models, reasons, next)
	}
	b.noFaults(t, "stimulus page")
}

// mixedStore is a store as teams have them: the demo, every harness fixture (23 runs of
// nine systems, partial ones among them) and a nightly suite of six runs by 14 models
// whose pass rates sit in a narrow band.
func mixedStore(t *testing.T) (*httptest.Server, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := ingest.Demo(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.ImportTree(context.Background(), dir, filepath.Join("..", "testdata", "harness"), "", ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for run := range 6 {
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"run","name":"agents nightly %d","labels":{"suite":"agents-nightly"},"createdAt":"2026-11-%02dT03:00:00Z"}`+"\n", run, run+1)
		for m := range 14 {
			for s := range 40 {
				// Rates between 55 and 80%, each model drifting its own way run by run.
				passed := (s*37+m*11+run*(m%3+1)*5)%100 < 55+m+run*(m%5-2)
				fmt.Fprintf(&b, `{"stimulus":"task-%02d","model":"model-%02d","passed":%v}`+"\n", s, m, passed)
			}
		}
		p := filepath.Join(src, fmt.Sprintf("nightly-%d.jsonl", run))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ingest.ImportFile(context.Background(), dir, p, "", ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	st := store.Open(dir)
	runs, _, err := st.Runs()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serve.NewHandler(serve.Deps{Store: st}))
	t.Cleanup(srv.Close)
	return srv, len(runs)
}

// TestRunsPageOnAMixedStore: the runs page of a store of ≥ 30 runs from many systems lists
// them all, flags the partial ones, offers one trend per suite, and draws a 14-model trend
// with a distinct colour and dash for every model, a y axis that spans the data, and x
// labels that never overprint. Screenshots, light and dark, wide and narrow.
func TestRunsPageOnAMixedStore(t *testing.T) {
	srv, n := mixedStore(t)
	if n < 30 {
		t.Fatalf("%d runs: the test wants at least 30", n)
	}
	b := newBrowser(t)
	var rows, partial, suites int
	b.run(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("table", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("main table tbody tr").length`, &rows),
		chromedp.Evaluate(`document.querySelectorAll(".status-partial").length`, &partial),
		chromedp.Evaluate(`document.querySelectorAll("nav[aria-label=suites] a, nav[aria-label=suites] span").length`, &suites))
	if rows < 30 || partial < 2 || suites < 5 {
		t.Errorf("runs page: %d rows (want ≥ 30), %d partial flags (want ≥ 2), %d suites (want ≥ 5)", rows, partial, suites)
	}
	b.noFaults(t, "runs page")
	var legend []string
	var yLabels []string
	var overlaps int
	b.run(t, chromedp.Navigate(srv.URL+"/?suite=agents-nightly"), chromedp.WaitVisible("svg.chart", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll(".legend .sw")].map(s => s.className + " " + getComputedStyle(s).borderTopColor + " " + getComputedStyle(s).borderTopStyle)`, &legend),
		chromedp.Evaluate(`[...document.querySelectorAll("svg.chart text.axis[text-anchor=end]")].filter(e => e.getAttribute("x") == "48").map(e => e.textContent)`, &yLabels),
		chromedp.Evaluate(`(() => { const r = [...document.querySelectorAll("svg.chart text.axis")].filter(e => e.getAttribute("x") != "48").map(e => e.getBoundingClientRect());
			let n = 0; for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++; return n })()`, &overlaps))
	looks := map[string]bool{}
	for _, l := range legend {
		parts := strings.Fields(l)
		looks[strings.Join(parts[len(parts)-4:], " ")] = true // colour and dash
	}
	if len(legend) != 14 || len(looks) != 14 {
		t.Errorf("legend: %d models, %d distinct looks (want 14 and 14): %q", len(legend), len(looks), legend)
	}
	if len(yLabels) != 3 || yLabels[0] == "0%" && yLabels[2] == "100%" {
		t.Errorf("y axis %q: want the data's range, not 0–100%%", yLabels)
	}
	if overlaps > 0 {
		t.Errorf("%d x labels overprint", overlaps)
	}
	t.Logf("%d runs, %d partial flags, %d suites; y axis %v", rows, partial, suites, yLabels)
	b.noFaults(t, "suite trend")

	shots := os.Getenv("EVALS_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, v := range []struct {
		name   string
		w, h   int64
		scheme string
	}{{"wide-light", 1280, 800, "light"}, {"wide-dark", 1280, 800, "dark"}, {"narrow-light", 390, 844, "light"}, {"narrow-dark", 390, 844, "dark"}} {
		for _, p := range []struct{ name, path string }{{"mixed-runs", "/"}, {"mixed-suite", "/?suite=agents-nightly"}} {
			var png []byte
			b.run(t, chromedp.EmulateViewport(v.w, v.h),
				emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v.scheme}}),
				chromedp.Navigate(srv.URL+p.path), chromedp.CaptureScreenshot(&png))
			if err := os.WriteFile(filepath.Join(shots, p.name+"-"+v.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.noFaults(t, "screenshots")
}
