-- all runs' filtered, sorted outcome pages (no runId): random model, status, sort and page
-- size (19,200 combinations: nearly every request a cache miss)
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local sorts = {"duration_ms", "total_tokens", "cost_usd", "score"}
local statuses = {"failed", "passed", "error"}
request = function()
  return wrk.format("GET", string.format("/api/outcomes?model=model-%d&status=%s&sort=%s&order=%s&limit=%d",
    math.random(0, 7), statuses[math.random(1, 3)], sorts[math.random(1, 4)], (math.random() < 0.5) and "asc" or "desc", math.random(20, 100)))
end
