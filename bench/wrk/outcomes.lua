-- a run's filtered, sorted outcome pages: each request a new filter (random run, model,
-- status, sort key and order) or the next page of the last one (its nextCursor): every
-- request a cache miss, as the TUI's and the web's paging are
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local sorts = {"duration_ms", "total_tokens", "cost_usd", "score"}
local statuses = {"failed", "passed", "error"}
local last, cursor = nil, nil
request = function()
  if last ~= nil and cursor ~= nil and math.random() < 0.5 then
    return wrk.format("GET", last .. "&cursor=" .. cursor)
  end
  last = string.format("/api/outcomes?runId=run%04d&model=model-%d&status=%s&sort=%s&order=%s&limit=50",
    math.random(0, 99), math.random(0, 7), statuses[math.random(1, 3)], sorts[math.random(1, 4)],
    (math.random() < 0.5) and "asc" or "desc")
  cursor = nil
  return wrk.format("GET", last)
end
response = function(status, headers, body)
  local c = body:match('"nextCursor":"([^"]*)"')
  cursor = c
end
