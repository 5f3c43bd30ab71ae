-- POST /create, always with one email: after the first request, a known address, which an
-- anonymous client gets the same 202 for (the submission is kept beside the existing lead).
local body = '{"FIRST_NAME": "Known", "LAST_NAME": "Prospect", "EMAIL": "known.prospect@example.com", "RESUME": "A benchmark lead, sent again."}'

request = function()
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", "/create", headers, body)
end
