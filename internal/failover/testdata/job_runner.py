"""Runs the failover job (job.py, its path the first argument) once per
run of the input, as its __main__ does, with each run's environment, and
prints one JSON line per run: {id, code, events}. Before each run it tells
the Go test's fake which run it is (POST <fake>/run?id=<id>)."""
import contextlib
import importlib.util
import io
import json
import sys
import urllib.parse
import urllib.request

spec = importlib.util.spec_from_file_location("job", sys.argv[1])
job = importlib.util.module_from_spec(spec)
spec.loader.exec_module(job)

request = json.load(sys.stdin)
for run in request["runs"]:
    urllib.request.urlopen(request["fake"] + "/run?id=" + urllib.parse.quote(run["id"]), data=b"").read()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = job.entry(run["env"])
        except SystemExit as e:
            code = e.code
        except Exception as e:  # a crash is a failed run the test reports
            code = "crash: %r" % e
    events = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    print(json.dumps({"id": run["id"], "code": code, "events": events}), flush=True)
