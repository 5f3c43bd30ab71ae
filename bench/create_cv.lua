-- Anonymous multipart POST /create with a small TXT CV (field CV, cv.txt) and a unique email per
-- request: "cv-<prefix>-<thread>-<n>@example.com", as in create.lua.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

local counter = 0
local prefix = (os.getenv("BENCH_PREFIX") or "run") .. "-" .. tostring(os.time())
local boundary = "leads-bench-7d1f3a9c"

local function field(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n"
    .. value .. "\r\n"
end

-- About 400 bytes of plain text, like a very short CV.
local cv = "Amara Test\nParalegal, immigration practice\n\n"
  .. string.rep("2019-2025: family-based petitions, I-130 and I-485 packages, client intake.\n", 5)

-- Everything after the email is the same for every request: built once.
local head = field("FIRST_NAME", "Load") .. field("LAST_NAME", "Test")
local tail = field("RESUME", "A benchmark lead with a CV.")
  .. "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"CV\"; filename=\"cv.txt\"\r\n"
  .. "Content-Type: text/plain\r\n\r\n" .. cv .. "\r\n--" .. boundary .. "--\r\n"

request = function()
  counter = counter + 1
  local email = string.format("cv-%s-%d-%d@example.com", prefix, thread_id, counter)
  local body = head .. field("EMAIL", email) .. tail
  -- A headers table replaces wrk.headers (the -H options): copy them.
  local headers = {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", "/create", headers, body)
end
