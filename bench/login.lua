-- wrk script: API sign-ins with the password method, all as one registered identity.
-- Usage: BENCH_IDENTIFIER=... BENCH_PASSWORD=... wrk -s login.lua <base>/self-service/login?flow=<api flow id>
local body = string.format('{"method":"password","identifier":"%s","password":"%s"}',
  os.getenv("BENCH_IDENTIFIER"), os.getenv("BENCH_PASSWORD"))

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  wrk.body = body
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. string.sub(body, 1, 200) .. "\n")
  end
end
