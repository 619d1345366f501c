"""Runs gate.py's gate over a scenario read from stdin, with a fake clock
and fakes of each cloud's API shaped like its published answers, and prints
what happened as JSON: passed or the failure's message, and every call that
changed something."""
import contextlib
import json
import sys

sys.path.insert(0, sys.argv[1])
import types  # noqa: E402

import aws as _aws  # noqa: E402
import gate as _gate  # noqa: E402

# Both modules' names, as one: the AWS side lives beside the gate.
g = types.SimpleNamespace(**{**vars(_gate), **vars(_aws)})


class Clock:
    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, s):
        self.t += s


def at(timeline, t):
    """The answer of a timeline ([[from_seconds, answer], ...]) at t."""
    answer = timeline[0][1]
    for start, a in timeline:
        if t >= start:
            answer = a
    return answer


def matches(pattern, event):
    """EventBridge's matching, as far as the patterns here use it ("Event
    patterns"): every field of the pattern must be in the event; a list
    matches a value equal to one of its literals or starting with a
    {"prefix"}, and an array in the event matches if any element does.
    Any other operator is refused, not guessed."""
    for k, want in pattern.items():
        if k not in event:
            return False
        got = event[k]
        if isinstance(want, dict):
            if not isinstance(got, dict) or not matches(want, got):
                return False
            continue
        assert isinstance(want, list), "a pattern's leaves are lists: %r" % (want,)
        values = got if isinstance(got, list) else [got]

        def one(w, v):
            if isinstance(w, dict):
                assert list(w) == ["prefix"], "operator not modelled: %s" % w
                return isinstance(v, str) and v.startswith(w["prefix"])
            return w == v and type(w) is type(v)
        if not any(one(w, v) for w in want for v in values):
            return False
    return True


def report(run, changes, clock, fails=()):
    """Runs a handler (its log lines to stderr) and prints what happened:
    what it returned or the failure it raised, its changes, the time."""
    out = {"changes": changes}
    try:
        with contextlib.redirect_stdout(sys.stderr):
            out["passed"] = json.dumps(run())
    except (_gate.Failed,) + fails as e:
        out["failed"] = str(e)
    out["seconds"] = clock.t
    json.dump(out, sys.stdout)


def fake_boto3(clients):
    """The runtime's boto3, as the handlers import it: clients by service
    name (a function of the name, called at each boto3.client)."""
    fake = types.ModuleType("boto3")
    fake.client = clients
    sys.modules["boto3"] = fake


class Refused(Exception):
    """botocore's ClientError, as far as the gate reads it."""

    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": "not authorized"}}


class FakeECS:
    def __init__(self, sc, clock, changes):
        self.sc, self.clock, self.changes = sc, clock, changes
        self.refusals = list(sc.get("refusals", []))

    def describe_services(self, cluster, services):
        if self.refusals:
            raise Refused(self.refusals.pop(0))
        assert cluster == self.sc["env"]["CLUSTER"] and len(services) == 1
        timeline = self.sc["deployments"] if services[0] == self.sc["env"]["SERVICE"] else self.sc["workers"][services[0]]
        return {"services": [{"serviceName": services[0], "deployments": at(timeline, self.clock.t)}], "failures": []}

    def list_task_definitions(self, familyPrefix, status, sort):
        assert status == "ACTIVE" and sort == "DESC"
        if familyPrefix == self.sc["env"]["FAMILY"]:
            return {"taskDefinitionArns": self.sc["taskDefinitions"]}
        return {"taskDefinitionArns": self.sc["workerTaskDefinitions"][familyPrefix]}

    def update_service(self, cluster, service, taskDefinition):
        self.changes.append({"call": "ecs:UpdateService", "service": service, "taskDefinition": taskDefinition})
        return {"service": {}}


class FakeCloudWatch:
    def __init__(self, sc, clock):
        self.sc, self.clock = sc, clock

    def describe_alarms(self, AlarmNames):
        states = at(self.sc["alarms"], self.clock.t)
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": states.get(n, "OK"), "StateReason": ""} for n in AlarmNames], "CompositeAlarms": []}


def fake_google(sc, clock, changes):
    def call(method, url, body=None):
        if url.startswith("https://monitoring.googleapis.com/v3/projects/%s/timeSeries?" % sc["env"]["PROJECT"]):
            q = g.urllib.parse.parse_qs(url.split("?", 1)[1])
            f = q["filter"][0]
            assert 'resource.labels.revision_name="%s"' % sc["revision"] in f, f
            kind = "count" if "request_count" in f else "latencies"
            return {"timeSeries": at(sc[kind], clock.t)}
        base = "https://run.googleapis.com/v2/projects/%s/locations/%s/services/%s" % (sc["env"]["PROJECT"], sc["env"]["REGION"], sc["env"]["SERVICE"])
        if method == "GET" and url == base:
            return at(sc["service"], clock.t)
        if method == "GET" and url == base + "/revisions":
            return {"revisions": sc["revisions"]}
        if method == "PATCH" and url == base + "?updateMask=traffic":
            changes.append({"call": "run:PATCH service traffic", "traffic": body["traffic"]})
            return {"name": "operation"}
        raise AssertionError("unexpected call %s %s" % (method, url))
    return call


def main():
    sc = json.load(sys.stdin)
    clock, changes = Clock(), []
    if sc["cloud"] == "azure-job":
        job = sc["env"]["JOB_ID"]

        def call(method, url, body=None):
            path, _, query = url.partition("?")
            assert query == "api-version=2024-03-01", url
            assert path.startswith("https://management.azure.com" + job), url
            rest = path[len("https://management.azure.com" + job):]
            changes.append({"call": method + " " + rest})
            if method == "POST" and rest == "/start":
                return sc["start"]
            if method == "GET" and rest == "/executions":
                return {"value": sc["executions"]}
            if method == "GET" and rest.startswith("/executions/"):
                return {"name": rest.split("/")[2], "properties": {"status": at(sc["status"], clock.t)}}
            raise AssertionError("unexpected call %s %s" % (method, url))
        out = {"changes": changes}
        try:
            out["passed"] = g.run_job(sc["env"], call, clock.now, clock.sleep, lambda m: None)
        except g.Failed as e:
            out["failed"] = str(e)
        out["seconds"] = clock.t
        json.dump(out, sys.stdout)
        return
    if sc["cloud"] == "aws-schedule":
        import os
        os.environ.update(sc["env"])

        class RDS:
            def describe_global_clusters(self, GlobalClusterIdentifier):
                changes.append({"call": "rds:DescribeGlobalClusters", "id": GlobalClusterIdentifier})
                return {"GlobalClusters": [{"GlobalClusterIdentifier": GlobalClusterIdentifier, "GlobalClusterMembers": sc["members"]}]}

        class Tasks:
            def run_task(self, **kw):
                changes.append({"call": "ecs:RunTask", "cluster": kw["cluster"], "taskDefinition": kw["taskDefinition"], "startedBy": kw["startedBy"]})
                return {"tasks": [{"taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/c/1"}], "failures": []}
        report(lambda: g.scheduled(sc["event"], None, RDS(), Tasks(), clock.now, clock.sleep), changes, clock)
        return
    if sc["cloud"] == "aws-stopped":
        # The schedules runner's entry point, as EventBridge calls it with
        # an ECS Task State Change; boto3 is the runtime's, so a fake one.
        import os
        os.environ.update(sc["env"])
        refusals = [sc.get("refusals", 0)]

        class SNS:
            def publish(self, **kw):
                if refusals[0]:
                    refusals[0] -= 1
                    raise Refused("AuthorizationError")
                if sc.get("broken"):
                    raise Refused(sc["broken"])
                assert len(kw["Subject"]) < 100 and "\n" not in kw["Subject"], kw["Subject"]
                changes.append(dict(kw, call="sns:Publish"))
                return {"MessageId": "m-1"}
        if not matches(json.loads(sc["pattern"]), sc["event"]):
            json.dump({"passed": "not matched", "changes": changes}, sys.stdout)
            return
        fake_boto3(lambda service: {"sns": SNS()}[service])
        # A refusal it does not retry fails the invocation: Lambda's Errors.
        report(lambda: g.scheduled(sc["event"], None, None, None, clock.now, clock.sleep), changes, clock, (Refused,))
        return
    if sc["cloud"] == "gcp-schedule":
        def call(method, url, body=None):
            changes.append({"call": method + " " + url})
            if method == "GET":
                assert url == "https://sqladmin.googleapis.com/v1/projects/p/instances/" + sc["env"]["INSTANCE"], url
                return sc["instance"]
            assert url == "https://run.googleapis.com/v2/projects/p/locations/%s/jobs/%s:run" % (sc["env"]["REGION"], sc["env"]["JOB"]), url
            return {"name": "operation"}
        report(lambda: g.run_if_writer(sc["env"], call), changes, clock)
        return
    if sc["cloud"] == "azure-schedule":
        def call(method, url, body=None):
            changes.append({"call": method + " " + url})
            if method == "GET":
                assert url == "https://management.azure.com%s/failoverGroups/%s?api-version=2021-11-01" % (sc["env"]["SERVER_ID"], sc["env"]["FAILOVER_GROUP"]), url
                if sc["group"] is None:
                    raise g.urllib.error.HTTPError(url, 404, "ResourceNotFound", {}, None)
                return sc["group"]
            assert url == "https://management.azure.com%s/start?api-version=2024-03-01" % sc["env"]["JOB_ID"], url
            return {"name": "x"}
        report(lambda: g.run_if_primary(sc["env"], call), changes, clock)
        return
    if sc["cloud"] == "retry":
        # The HTTP wrapper: answers in order, each a status (200: a body).
        answers = list(sc["answers"])

        def call(method, url, body=None):
            changes.append({"call": method + " " + url})
            status = answers.pop(0)
            if status != 200:
                raise g.urllib.error.HTTPError(url, status, "refused", {}, None)
            return {"ok": True}
        out = {"changes": changes}
        try:
            out["passed"] = json.dumps(g.retrying(call, clock.now, clock.sleep, lambda m: None, sc["seconds"])(sc.get("method", "GET"), "https://api.example/x"))
        except g.urllib.error.HTTPError as e:
            out["failed"] = "HTTP %d" % e.code
        out["seconds"] = clock.t
        json.dump(out, sys.stdout)
        return
    if sc["cloud"] == "aws-migrate":
        # The migrations runner's entry point, with a task that runs for
        # sc["runs"] seconds and ends as sc["ended"] says.
        import os
        os.environ.update(sc["env"])
        calls = changes

        listed = {"late": sc.get("listedLate", 0)}

        class Tasks:
            def run_task(self, **kw):
                calls.append({"call": "ecs:RunTask", **{k: kw[k] for k in ("cluster", "taskDefinition", "launchType", "networkConfiguration")}})
                return {"tasks": [{"taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/prod-migrations-cluster/0a1b2c3d4e5f"}], "failures": []}

            def describe_tasks(self, cluster, tasks):
                if listed["late"] > 0:  # RunTask is eventually consistent
                    listed["late"] -= 1
                    return {"tasks": [], "failures": []}
                stopped = clock.t >= sc["runs"]
                t = {"taskArn": tasks[0], "lastStatus": "STOPPED" if stopped else "RUNNING"}
                if stopped:
                    t.update(sc["ended"])
                return {"tasks": [t], "failures": []}

            def stop_task(self, cluster, task, reason):
                calls.append({"call": "ecs:StopTask", "task": task})
                return {}
        fake_boto3(lambda name: Tasks())
        g.time.sleep, g.time.monotonic = clock.sleep, clock.now
        context = types.SimpleNamespace(get_remaining_time_in_millis=lambda: 900000)
        report(lambda: g.migrate(sc["event"], context), calls, clock)
        return
    if sc["cloud"] == "aws-handler":
        # The Lambda entry point, as the runtime calls it: the function's
        # environment, the invocation's input as the event, boto3 clients.
        import os
        os.environ.update(sc["env"])
        fake_boto3(lambda name: {"ecs": FakeECS(sc, clock, changes), "cloudwatch": FakeCloudWatch(sc, clock)}[name])
        context = types.SimpleNamespace(get_remaining_time_in_millis=lambda: 900000)
        report(lambda: g.handler(sc["event"], context), changes, clock)
        return
    if sc["cloud"] == "aws":
        platform = g.ECS(sc["env"], FakeECS(sc, clock, changes), FakeCloudWatch(sc, clock), clock.now, clock.sleep)
    elif sc["cloud"] == "gcp":
        platform = g.CloudRun(sc["env"], fake_google(sc, clock, changes))
    else:
        platform = g.ContainerApps(sc["env"], fake_azure(sc, clock, changes))
    out = {"changes": changes}
    try:
        out["passed"] = g.gate(platform, sc["bake"], sc["settle"], 15, clock.now, clock.sleep, lambda m: None)
    except g.Failed as e:
        out["failed"] = str(e)
    out["seconds"] = clock.t
    json.dump(out, sys.stdout)


def fake_azure(sc, clock, changes):
    # The API's app, and any workers' apps (sc["workerApps"]: id to its own
    # "app" and "revisions").
    apps = {sc["env"]["APP_ID"]: {"app": sc["app"], "revisions": sc["revisions"]}}
    apps.update(sc.get("workerApps", {}))

    def call(method, url, body=None):
        path, _, query = url.partition("?")
        arm = "https://management.azure.com"
        app = next((a for a in apps if path == arm + a or path.startswith(arm + a + "/")), None)
        assert app is not None, url
        fake = apps[app]
        path = path[len(arm + app):]
        q = g.urllib.parse.parse_qs(query)
        if path == "/providers/Microsoft.Insights/metrics":
            assert q["metricnamespace"] == ["Microsoft.App/containerapps"]
            if q["metricnames"] == ["Requests"]:
                assert q["$filter"] == ["revisionName eq '%s' and statusCodeCategory eq '*'" % sc["revision"]], q
                return {"value": [{"name": {"value": "Requests"}, "timeseries": at(sc["requests"], clock.t)}]}
            return {"value": [{"name": {"value": "ResponseTime"}, "timeseries": at(sc["responseTime"], clock.t)}]}
        assert q["api-version"] == ["2024-03-01"], url
        if method == "GET" and path == "":
            return at(fake["app"], clock.t)
        if method == "GET" and path == "/revisions":
            return {"value": fake["revisions"]}
        if method == "GET" and path.startswith("/revisions/"):
            name = path.split("/")[2]
            return next(r for r in fake["revisions"] if r["name"] == name)
        if method == "POST" and path.startswith("/revisions/"):
            changes.append({"call": "containerApps:" + path.split("/")[3], "revision": path.split("/")[2]})
            return {}
        raise AssertionError("unexpected call %s %s" % (method, url))
    return call


if __name__ == "__main__":
    main()
