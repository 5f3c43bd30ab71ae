-- POST /create with a unique email per request: "load-<prefix>-<thread>-<n>@example.com".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

local counter = 0
local prefix = (os.getenv("BENCH_PREFIX") or "run") .. "-" .. tostring(os.time())

request = function()
  counter = counter + 1
  local body = string.format(
    '{"FIRST_NAME": "Load", "LAST_NAME": "Test", "EMAIL": "load-%s-%d-%d@example.com", "RESUME": "A benchmark lead."}',
    prefix, thread_id, counter)
  -- A headers table replaces wrk.headers (the -H options, e.g. Authorization): copy them.
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", "/create", headers, body)
end
