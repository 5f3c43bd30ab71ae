-- GET /get/<id> for random existing ids in 1..BENCH_MAX_ID.
local max_id = tonumber(os.getenv("BENCH_MAX_ID") or "100")

function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  return wrk.format("GET", "/get/" .. math.random(1, max_id))
end
