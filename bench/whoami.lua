-- wrk script: GET /sessions/whoami with a session token from the environment (BENCH_TOKEN).
wrk.headers["X-Session-Token"] = os.getenv("BENCH_TOKEN")
wrk.headers["Accept"] = "application/json"
