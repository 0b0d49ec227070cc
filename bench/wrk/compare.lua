-- random pairs of distinct runs of a 100-run store: every request a cache miss
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local a = math.random(0, 99)
  local b = math.random(0, 98)
  if b >= a then b = b + 1 end
  return wrk.format("GET", string.format("/api/compare?runs=run%04d,run%04d", a, b))
end
