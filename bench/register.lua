-- wrk script: API registrations with the password method, each with a fresh e-mail address.
-- Usage: wrk -s register.lua <base>/self-service/registration?flow=<api flow id>
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tid
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"method":"password","password":"l3f9toh1uaf81n21-bench","traits":{"email":"bench-%d-%d-%d@example.com"}}',
    os.time(), thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. string.sub(body, 1, 200) .. "\n")
  end
end
