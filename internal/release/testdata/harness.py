"""Runs gate.py's gate over a scenario read from stdin, with a fake clock
and fakes of each cloud's API shaped like its published answers, and prints
what happened as JSON: passed or the failure's message, and every call that
changed something."""
import json
import sys

sys.path.insert(0, sys.argv[1])
import gate as g  # noqa: E402


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


class FakeECS:
    def __init__(self, sc, clock, changes):
        self.sc, self.clock, self.changes = sc, clock, changes

    def describe_services(self, cluster, services):
        assert cluster == self.sc["env"]["CLUSTER"] and services == [self.sc["env"]["SERVICE"]]
        return {"services": [{"serviceName": services[0], "deployments": at(self.sc["deployments"], self.clock.t)}], "failures": []}

    def list_task_definitions(self, familyPrefix, status, sort):
        assert familyPrefix == self.sc["env"]["FAMILY"] and status == "ACTIVE" and sort == "DESC"
        return {"taskDefinitionArns": self.sc["taskDefinitions"]}

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
    if sc["cloud"] == "aws":
        platform = g.ECS(sc["env"], FakeECS(sc, clock, changes), FakeCloudWatch(sc, clock))
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
    return getattr(sys.modules[__name__], "azure_fake")(sc, clock, changes)


if __name__ == "__main__":
    main()
