#!/usr/bin/env python3
"""Fixtures for the reference systems' importers, and the figures evals must give for them.

Each fixture starts from the example in shared/reference/ and is enlarged to several
models, stimuli and trials with values of our own (seeded, so the files are stable). The
expected figures are computed here, from the files, by each system's own rules, without
evals: expected.json is what the importers are checked against (cmd TestReferenceFigures).

    python3 testdata/reference/gen.py    # rewrites testdata/harness/{vally,ezvals,...} and expected.json
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "harness")
rnd = random.Random(20261130)
expected = {}


def write(rel, obj):
    p = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def figures(outcomes):
    """Counts as evals defines them: rated = passed + failed + errored."""
    passed = sum(1 for o in outcomes if o["status"] == "success" and o["passed"] is True)
    failed = sum(1 for o in outcomes if o["status"] == "success" and o["passed"] is False)
    errored = sum(1 for o in outcomes if o["status"] == "error")
    skipped = sum(1 for o in outcomes if o["status"] == "skipped")
    pending = len(outcomes) - passed - failed - errored - skipped
    rated = passed + failed + errored
    return {
        "outcomes": len(outcomes), "passed": passed, "failed": failed, "error": errored,
        "skipped": skipped, "pending": pending,
        "passRate": round(passed / rated, 6) if rated else None,
        # Missing is null: a sum over the outcomes that recorded the value, null when none did.
        "totalTokens": sum(o["tokens"] for o in outcomes if o.get("tokens") is not None) if any(o.get("tokens") is not None for o in outcomes) else None,
        "costUsd": round(sum(o.get("cost", 0) or 0 for o in outcomes), 6),
        "durationMs": sum(o["ms"] for o in outcomes if o.get("ms") is not None) if any(o.get("ms") is not None for o in outcomes) else None,
    }


# ---- vally: the Results API (pages of GET /api/outcomes, a detail, a trajectory, runs) ----
def vally():
    runs = [("r-2026-11-01", "nightly 11-01", "2026-11-01T02:00:00Z"), ("r-2026-11-02", "nightly 11-02", "2026-11-02T02:00:00Z")]
    models, stimuli = ["gpt-5", "claude-sonnet-4.5"], ["sql/join-order", "sql/null-handling", "shell/quote-args"]
    items = {r[0]: [] for r in runs}
    for run_id, _, _ in runs:
        n = 0
        for m in models:
            for s in stimuli:
                for t in range(2):
                    status = "error" if rnd.random() < 0.1 else "success"
                    passed = None if status == "error" else rnd.random() < 0.65
                    inp, out = rnd.randint(500, 4000), rnd.randint(100, 900)
                    o = {"id": "%s-%07d" % (run_id, n), "runId": run_id, "stimulusName": s, "model": m, "trialIndex": t,
                         "status": status, "passed": passed, "score": None if passed is None else (1.0 if passed else 0.0),
                         "durationMs": rnd.randint(2000, 40000), "turns": rnd.randint(1, 9), "toolCalls": rnd.randint(0, 6),
                         "errors": 1 if status == "error" else 0, "inputTokens": inp, "outputTokens": out,
                         "reasoningTokens": 0, "cachedTokens": 0, "totalTokens": inp + out,
                         "costUsd": round((inp * 1.25 + out * 10) / 1e6, 6), "startedAt": "2026-11-0%sT02:%02d:00Z" % (run_id[-1], n),
                         "graderSummary": [] if status == "error" else [{"name": "tests-pass", "passed": passed, "score": 1.0 if passed else 0.0}],
                         "tags": {"category": s.split("/")[0]}}
                    if status == "error":
                        o["error"] = "timeout after 300s"
                    items[run_id].append(o)
                    n += 1
    out = []
    for run_id, name, created in runs:
        page1, page2 = items[run_id][:8], items[run_id][8:]
        write("vally/outcomes-%s-1.json" % run_id, {"items": page1, "page": {"nextCursor": "c8", "limit": 8, "hasMore": True, "total": len(items[run_id])}})
        write("vally/outcomes-%s-2.json" % run_id, {"items": page2, "page": {"nextCursor": None, "limit": 8, "hasMore": False, "total": len(items[run_id])}})
        out.append({"id": run_id, "name": name, "source": "vally", "status": "completed", "createdAt": created,
                    "models": models, "stimulusCount": len(stimuli), "outcomeCount": len(items[run_id]), "passRate": None})
    write("vally/runs.json", {"items": out, "page": {"nextCursor": None, "limit": 100, "hasMore": False, "total": 2}})
    # One outcome in full: grader evidence, text; and its trajectory.
    first = next(o for o in items[runs[0][0]] if o["passed"] is False)
    detail = dict(first, graderResults=[{"name": "tests-pass", "type": "code", "passed": False, "score": 0.0, "weight": 1,
                                         "evidence": "2 tests failed: test_join_order: expected 3 rows, got 4"}],
                  input="Fix the join order.", output="SELECT * FROM a JOIN b ...", expected="3 rows")
    write("vally/outcome-%s.json" % first["id"], detail)
    write("vally/trajectory-%s.json" % first["id"], {"outcomeId": first["id"], "runId": first["runId"], "stimulusName": first["stimulusName"],
          "model": first["model"], "trialIndex": first["trialIndex"], "events": [
              {"seq": 0, "type": "message", "ts": "2026-11-01T02:00:00Z", "role": "user", "content": "Fix the join order."},
              {"seq": 1, "type": "tool_call", "ts": "2026-11-01T02:00:01Z", "role": "assistant", "tool": "bash", "toolCallId": "c1", "content": "{\"cmd\": \"pytest\"}"},
              {"seq": 2, "type": "tool_result", "ts": "2026-11-01T02:00:05Z", "role": "tool", "tool": "bash", "toolCallId": "c1", "content": "2 failed"}]})
    for run_id, name, _ in runs:
        expected["vally:" + name] = figures([{"status": o["status"], "passed": o["passed"], "tokens": o["totalTokens"],
                                              "cost": o["costUsd"], "ms": o["durationMs"]} for o in items[run_id]])


# ---- EZVals: /api/runs/{id}/export/json and the GET /results body ----
def ezvals():
    functions = ["test_refund", "test_cancel_order", "test_order_status", "test_escalate"]
    results = []
    for fn in functions:
        for model in ["gpt-4o-mini", "claude-haiku-4.5"]:
            for _ in range(2):
                r = {"input": "customer: " + fn[5:].replace("_", " "), "reference": "acknowledge " + fn[5:],
                     "metadata": {"model": model, "temperature": 0}, "output": None, "error": None, "scores": None,
                     "latency": round(rnd.uniform(0.2, 2.5), 3), "trace_data": None, "annotation": None, "annotations": None,
                     "status": "completed"}
                if rnd.random() < 0.1:
                    r["error"], r["status"] = "Error running %s: TimeoutError" % fn, "error"
                else:
                    ok = rnd.random() < 0.7
                    r["output"] = ("Sure, I can help with your " + fn[5:]) if ok else "I do not understand."
                    r["scores"] = [{"key": "correctness", "passed": ok, "notes": None if ok else "Should acknowledge " + fn[5:]},
                                   {"key": "politeness", "value": round(rnd.uniform(0.5, 1), 2)}]
                results.append({"function": fn, "dataset": "customer_service", "labels": ["smoke"] if fn == "test_refund" else [], "result": r})
    results[1]["result"]["annotation"] = "Reviewed - looks good"
    total_passed = sum(1 for x in results if any(s.get("passed") is True for s in (x["result"]["scores"] or [])))
    lat = [x["result"]["latency"] for x in results]
    export = {"session_name": "model-comparison", "run_name": "baseline", "run_id": "1764460800", "path": "evals/",
              "total_evaluations": len(results), "total_functions": len(functions),
              "total_errors": sum(1 for x in results if x["result"]["error"]), "total_passed": total_passed,
              "total_with_scores": sum(1 for x in results if x["result"]["scores"]), "average_latency": sum(lat) / len(lat),
              "results": results}
    write("ezvals/export-baseline.json", export)
    body = dict(export, eval_path="evals/", run_name="candidate", run_id="1764547200",
                score_chips=[{"key": "correctness", "type": "ratio", "passed": total_passed, "total": sum(1 for x in results if x["result"]["scores"])},
                             {"key": "politeness", "type": "avg", "avg": 0.8, "count": 10}])
    for k in ("path", "total_functions", "total_with_scores"):
        body.pop(k)
    write("ezvals/results-candidate.json", body)

    def fig(rs):
        out = []
        for x in rs:
            r = x["result"]
            status = "error" if r["error"] else "success"
            bools = [s["passed"] for s in (r["scores"] or []) if s.get("passed") is not None]
            passed = None if status == "error" or not bools else any(bools)
            out.append({"status": status, "passed": passed, "ms": round(r["latency"] * 1000)})
        f = figures(out)
        f["sourceTotalPassed"] = total_passed
        return f
    expected["ezvals:baseline"] = fig(results)
    expected["ezvals:candidate"] = fig(results)


# ---- list-evaluation-results: pages of evaluationResults ----
def evallist():
    statuses = ["passed"] * 9 + ["failed"] * 5 + ["error", "skipped", "pending"]
    rows = []
    for i in range(17):
        st = statuses[i]
        started = "2026-11-20T10:%02d:00Z" % i
        completed = None if st == "pending" else "2026-11-20T10:%02d:%02dZ" % (i, rnd.randint(1, 50))
        rows.append({"evaluationResultId": "res_%03d" % i, "evaluationId": "eval_Q3x9", "exampleId": "ex_%02d" % (i % 12),
                     "executionId": None if st == "pending" else "exec_%03d" % i, "status": st,
                     "mappedInput": {"question": "q%d" % i}, "actualOutput": None if st in ("pending", "error") else {"answer": "a%d" % i},
                     "score": {"passed": 1.0, "failed": round(rnd.uniform(0, 0.4), 2)}.get(st),
                     "feedback": {"passed": "matches the reference", "failed": "misses the key fact"}.get(st),
                     "errorMessage": {"error": "pipeline step 2 raised KeyError", "skipped": "example filtered"}.get(st),
                     "startedAt": started, "completedAt": completed, "createdAt": started})
    rnd.shuffle(rows)
    write("evallist/page-1.json", {"evaluationResults": rows[:10], "total": 17, "page": 1, "pageSize": 10})
    write("evallist/page-2.json", {"evaluationResults": rows[10:], "total": 17, "page": 2, "pageSize": 10})
    out = []
    for r in rows:
        s = {"passed": ("success", True), "failed": ("success", False), "error": ("error", None),
             "skipped": ("skipped", None), "pending": ("success", None)}[r["status"]]
        ms = 0
        if r["completedAt"]:
            ms = (int(r["completedAt"][14:16]) * 60 + int(r["completedAt"][17:19]) - int(r["startedAt"][14:16]) * 60) * 1000
        out.append({"status": s[0], "passed": s[1], "ms": ms})
    expected["evallist:evaluation eval_Q3x9"] = figures(out)


# ---- Runtype: GET /v1/eval/:id/results ----
def runtype():
    by = {}
    out = []
    for rec in range(6):
        key = "record-%03d" % (rec + 1)
        steps = []
        for si, (sid, sname) in enumerate([("step-01", "Intent Classification"), ("step-02", "Response Draft")][: 1 + rec % 2]):
            err = rec == 4 and si == 0
            pt, ct, rt = rnd.randint(10, 400), rnd.randint(5, 200), rnd.randint(0, 50)
            step = {"completionTokens": ct, "durationMs": rnd.randint(80, 3000), "errorMessage": "upstream 503" if err else None,
                    "errorStack": None, "executedAt": "2024-06-10T16:4%d:00Z" % rec, "executionSessionId": "sess-%d" % rec,
                    "messageHistory": [{"role": "user", "content": "Customer query #%d" % rec}],
                    "modelUsed": ["gpt-4-chat", "claude-3-haiku"][rec % 2], "output": None if err else "Order Status Inquiry",
                    "promptTokens": pt, "reasoningContent": "The query asks about order status.", "reasoningTokens": rt,
                    "recordName": "Customer Query #%03d" % (rec + 1), "resolvedPrompt": "Classify the intent of query %d" % rec,
                    "retryCount": 1 if err else 0, "stepId": sid, "stepName": sname, "stepResultId": "stepres-%d%d" % (rec, si),
                    "stepType": "classification" if si == 0 else "prompt",
                    "toolCalls": [] if si else [{"errorMessage": None, "executedAt": "2024-06-10T16:40:00Z", "executionTimeMs": 100,
                                                 "model": "intent-model-v2", "status": "success", "toolDescription": "Classifies intents",
                                                 "toolExecutionId": "toolexec-%d" % rec, "toolId": "tool-nlp-01", "toolName": "IntentClassifier",
                                                 "inputParameters": {"text": "query %d" % rec}, "outputResult": {"intent": "Order Status Inquiry", "confidence": 0.95}}],
                    "totalCost": round(rnd.uniform(0.001, 0.01), 6)}
            if rec in (1, 2, 3) and not err:  # graded by Analyze step results
                step["passed"] = rec != 2
                step["score"] = 1.0 if rec != 2 else 0.25
                step["feedback"] = "intent correct" if rec != 2 else "intent wrong: expected Refund"
            steps.append(step)
            out.append({"status": "error" if err else "success", "passed": None if err else step.get("passed"),
                        "tokens": pt + ct + rt, "cost": step["totalCost"], "ms": step["durationMs"]})
        by[key] = steps
    write("runtype/eval-b7f3c9d2.json", {"batchExecutionId": "b7f3c9d2-4a1e-4f6a-9c3e-2d5a7b8e9f01", "failedRecords": 1,
          "flowId": "flow-9a8b7c6d", "processedRecords": 6, "resultsByRecord": by, "startedAt": "2024-06-10T16:30:00Z",
          "status": "completed", "totalRecords": 8, "completedAt": "2024-06-10T16:45:30Z", "evalGroupId": "evalgroup-20240610",
          "evalName": "Customer Support Chatbot Accuracy Test"})
    expected["runtype:Customer Support Chatbot Accuracy Test"] = figures(out)


# ---- Traceway: GET /api/eval/:run_id ----
def traceway():
    cities = [("France", "Paris"), ("Japan", "Tokyo"), ("Kenya", "Nairobi"), ("Peru", "Lima"), ("Chile", "Santiago"), ("Egypt", "Cairo")]
    for rid, model, scoring, name in [("01JA", "gpt-4o-mini", "ExactMatch", "gpt-4o-mini baseline"),
                                      ("01JB", "claude-haiku-4.5", "LlmJudge", "haiku judge"),
                                      ("01JC", "gpt-4o", "Contains", "gpt-4o contains")]:
        items, out = [], []
        for i, (country, city) in enumerate(cities):
            st = "completed"
            if rid == "01JC" and i == 5:
                st = "pending"
            if rid == "01JB" and i == 2:
                st = "failed"
            score = None
            if st == "completed":
                score = round(rnd.uniform(0, 1), 2) if scoring == "LlmJudge" else (1.0 if rnd.random() < 0.7 else 0.0)
            lat, tok = rnd.randint(200, 900), rnd.randint(20, 60)
            items.append({"datapoint_id": "dp-%s" % country.lower(), "output": city if score else "unknown", "expected": city,
                          "score": score, "latency_ms": lat, "tokens": tok, "cost": round(tok * 1.5e-6, 8), "status": st,
                          "error": "provider timeout" if st == "failed" else None})
            threshold = {"ExactMatch": 1.0, "Contains": 1.0, "LlmJudge": 0.5}[scoring]
            if st == "failed":
                out.append({"status": "error", "passed": None, "tokens": tok, "cost": items[-1]["cost"], "ms": lat})
            elif st == "pending":
                out.append({"status": "success", "passed": None, "tokens": tok, "cost": items[-1]["cost"], "ms": lat})
            else:
                out.append({"status": "success", "passed": score >= threshold, "tokens": tok, "cost": items[-1]["cost"], "ms": lat})
        status = "running" if rid == "01JC" else "completed"
        write("traceway/eval-%s.json" % rid, {"id": rid, "dataset_id": "01JD", "name": name, "status": status,
              "progress": 5 if rid == "01JC" else 6, "total": 6,
              "config": {"connection_id": "01JX", "model": model, "system_prompt": "Answer with the city only.", "temperature": 0.0},
              "scoring": scoring, "result_items": items, "created_at": "2024-06-15T12:0%d:00Z" % "ABC".index(rid[-1])})
        expected["traceway:" + name] = figures(out)


# ---- promptfoo: an Eval object (what promptfoo keeps), from the sample export ----
def promptfoo_eval_object():
    src = json.load(open(os.path.join(OUT, "promptfoo", "sample-export.json")))
    res = src["results"]
    config = dict(src["config"], description=src["config"]["description"] + " (Eval object)")
    results = [dict(r, evalId="eval-abc-2025") for r in res["results"]]
    # An assert-set nests its assertions: the importer keeps every level.
    results[0] = json.loads(json.dumps(results[0]))
    results[0]["gradingResult"]["componentResults"].append(
        {"pass": False, "score": 0.5, "reason": "1 of 2 nested assertions passed", "assertion": {"type": "assert-set"},
         "componentResults": [{"pass": True, "score": 1, "reason": "Assertion passed", "assertion": {"type": "icontains", "value": "echo"}},
                              {"pass": False, "score": 0, "reason": "Expected under 20 words", "assertion": {"type": "javascript", "metric": "brevity"}}]})
    obj = {"id": "eval-abc-2025", "createdAt": 1759349280000, "author": "ci@example.com", "description": config["description"],
           "config": config, "results": results, "prompts": res["prompts"], "vars": ["riddle"], "persisted": True}
    write("promptfoo/eval-object.json", obj)
    unloaded = dict(obj, id="eval-def-2025", results=[], description="riddles (results not loaded)",
                    config=dict(config, description="riddles (results not loaded)"))
    write("promptfoo/eval-object-unloaded.json", unloaded)
    out = []
    for r in results:
        err = r.get("failureReason") == 2
        out.append({"status": "error" if err else "success", "passed": None if err else r["success"],
                    "tokens": (r.get("response") or {}).get("tokenUsage", {}).get("total", 0), "cost": r.get("cost", 0), "ms": r["latencyMs"]})
    expected["promptfoo:" + config["description"]] = figures(out)
    declared = sum(p["metrics"]["testPassCount"] + p["metrics"]["testFailCount"] + p["metrics"]["testErrorCount"] for p in res["prompts"])
    expected["promptfoo:riddles (results not loaded)"] = dict(figures([]), partialDeclared=declared)


vally()
ezvals()
promptfoo_eval_object()
evallist()
runtype()
traceway()
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
