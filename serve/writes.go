package serve

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/evals-dev/evals/errs"
	"github.com/evals-dev/evals/query"
	"github.com/evals-dev/evals/store"
)

// Writes are new to evals serve, so they are locked down: they need a token even on
// loopback (and the bearer header: no cookies, so nothing to forge cross-site), bodies are
// small JSON objects whose unknown fields are an error, and the request log records them.

// maxBody bounds a write's body.
const maxBody = 64 << 10

// writeRoutes are the routes that change the store.
var writeRoutes = []route{
	{method: "PATCH", path: "/api/runs/{id}", summary: "Rename a run, set its session or its labels (body: {name, session, labels}; a null label removes it)", write: true, handle: handlePatchRun},
	{method: "DELETE", path: "/api/runs/{id}", summary: "Delete a run (to the trash: restorable for 7 days with evals runs restore)", write: true, handle: handleDeleteRun},
	{method: "PATCH", path: "/api/outcomes/{id}", summary: "Review an outcome (body: {verdict: pass|fail|clear, note, labels, author})", write: true, handle: handlePatchOutcome},
	{method: "GET", path: "/api/sessions", summary: "Sessions with their run counts and pass rates", handle: handleSessions},
	{method: "GET", path: "/api/sessions/{name}/runs", summary: "The runs of a session", handle: handleSessionRuns},
	{method: "DELETE", path: "/api/sessions/{name}", summary: "Delete a session and its runs (to the trash)", write: true, handle: handleDeleteSession},
}

// decodeBody reads a small JSON object into v, rejecting unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errs.E(errs.Invalid, "the request needs a JSON body")
		}
		return errs.E(errs.Invalid, "invalid JSON body: %v", err)
	}
	if dec.More() {
		return errs.E(errs.Invalid, "the body holds more than one JSON value")
	}
	return nil
}

type runPatch struct {
	Name    *string            `json:"name,omitempty"`
	Session *string            `json:"session,omitempty"`
	Labels  map[string]*string `json:"labels,omitempty"`
	Author  string             `json:"author,omitempty"`
}

func handlePatchRun(s *server, r *http.Request) (result, error) {
	var p runPatch
	if err := decodeBody(r, &p); err != nil {
		return result{}, err
	}
	run, err := s.d.Store.Resolve(r.PathValue("id"))
	if err != nil {
		return result{}, err
	}
	done, err := s.d.Store.EditRun(store.RunEdit{RunID: run.ID, Name: p.Name, Session: p.Session, Labels: p.Labels, Author: apiAuthor(p.Author)})
	if err != nil {
		return result{}, err
	}
	return result{value: runPatched{OK: true, Run: query.Summarize(done)}}, nil
}

func handleDeleteRun(s *server, r *http.Request) (result, error) {
	run, err := s.d.Store.Resolve(r.PathValue("id"))
	if err != nil {
		return result{}, err
	}
	if err := s.d.Store.DeleteRun(run.ID); err != nil {
		return result{}, err
	}
	return result{value: deleted{OK: true, Deleted: []string{run.ID}}}, nil
}

type outcomePatch struct {
	Verdict *string            `json:"verdict,omitempty"`
	Note    *string            `json:"note,omitempty"`
	Labels  map[string]*string `json:"labels,omitempty"`
	Author  string             `json:"author,omitempty"`
}

func handlePatchOutcome(s *server, r *http.Request) (result, error) {
	var p outcomePatch
	if err := decodeBody(r, &p); err != nil {
		return result{}, err
	}
	a := store.Annotation{OutcomeID: r.PathValue("id"), Note: p.Note, Labels: p.Labels, Author: apiAuthor(p.Author)}
	if p.Verdict != nil {
		v := *p.Verdict
		switch v {
		case store.VerdictPass, store.VerdictFail:
		case "clear", "":
			v = ""
		default:
			return result{}, errs.E(errs.Invalid, "invalid verdict %q: use pass, fail or clear", v)
		}
		a.Verdict = &v
	}
	done, err := s.d.Store.Annotate(a)
	if err != nil {
		return result{}, err
	}
	o, err := query.OutcomeOf(s.d.Store, a.OutcomeID)
	if err != nil {
		return result{}, err
	}
	return result{value: outcomeReviewed{OK: true, Annotation: done, Outcome: o}}, nil
}

func apiAuthor(a string) string {
	if strings.TrimSpace(a) == "" {
		return "api"
	}
	return a
}

func handleSessions(s *server, r *http.Request) (result, error) {
	ss, err := query.Sessions(s.d.Store)
	if err != nil {
		return result{}, err
	}
	names := make([]string, len(ss))
	for i, x := range ss {
		names[i] = x.Name
	}
	return result{value: sessionList{Sessions: names, Items: ss}}, nil
}

func sessionRuns(s *server, name string) ([]query.RunSummary, error) {
	p, err := query.Runs(s.d.Store, query.RunsParams{Limit: query.MaxLimit, Session: name})
	if err != nil {
		return nil, err
	}
	if len(p.Items) == 0 {
		return nil, errs.E(errs.NotFound, "no session %q", name)
	}
	return p.Items, nil
}

func handleSessionRuns(s *server, r *http.Request) (result, error) {
	runs, err := sessionRuns(s, r.PathValue("name"))
	if err != nil {
		return result{}, err
	}
	return result{value: sessionRunsBody{SessionName: r.PathValue("name"), Runs: runs}}, nil
}

func handleDeleteSession(s *server, r *http.Request) (result, error) {
	runs, err := sessionRuns(s, r.PathValue("name"))
	if err != nil {
		return result{}, err
	}
	ids := []string{}
	for _, run := range runs {
		if err := s.d.Store.DeleteRun(run.ID); err != nil {
			return result{}, err
		}
		ids = append(ids, run.ID)
	}
	return result{value: deleted{OK: true, Deleted: ids}}, nil
}
