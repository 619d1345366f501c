"""Release health gate: one region of a release wave.

The deployment runs it after the region's app took the new version (AWS:
a Lambda invocation; Google Cloud: a Cloud Run job's execution; Azure: a
deployment script), and the next wave's app waits for it. It passes when the
new version is the one serving, ready, and stays so for BAKE_SECONDS with
the region's release alarms quiet; otherwise it puts the region back on the
previous version (unless the platform already did) and fails, which fails
`pulumi up` with its message: the region and the reason.

Standard library only; each cloud's adapter is below the gate.
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class Failed(Exception):
    """The wave failed: the message names the region and the reason."""


def gate(platform, bake_seconds, settle_seconds, poll_seconds=15, now=time.monotonic, sleep=time.sleep, log=print):
    """Wait for the new version to settle, then bake it. Returns what passed."""
    region = platform.region
    deadline = now() + settle_seconds
    while True:
        state, detail = platform.rollout()
        if state == "ready":
            break
        if state == "failed":
            raise Failed("release gate %s: the new version failed: %s; %s" % (region, detail, platform.roll_back()))
        if now() >= deadline:
            raise Failed("release gate %s: the new version was not ready after %ds (%s); %s" % (region, settle_seconds, detail, platform.roll_back()))
        log("release gate %s: waiting: %s" % (region, detail))
        sleep(poll_seconds)
    log("release gate %s: %s is ready; baking %ds" % (region, detail, bake_seconds))
    started = now()
    while True:
        firing = platform.firing()
        if firing:
            raise Failed("release gate %s: %s in alarm %ds into the bake of %s; %s" % (
                region, ", ".join(firing), int(now() - started), detail, platform.roll_back()))
        state, current = platform.rollout()
        if state != "ready":
            raise Failed("release gate %s: %s stopped serving during the bake (%s); %s" % (region, detail, current, platform.roll_back()))
        left = started + bake_seconds - now()
        if left <= 0:
            break
        sleep(min(poll_seconds, left))
    log("release gate %s: %s healthy for %ds" % (region, detail, bake_seconds))
    return detail


# --- Google Cloud: a Cloud Run service (Admin API v2, Monitoring v3) --------

# New grants take minutes to reach the APIs (IAM: "up to 7 minutes";
# Azure RBAC: "up to 10 minutes"), and the gate runs right after its
# grants are made: a refusal or a transient error is retried that long.
RETRY_SECONDS = 600
RETRIED = (401, 403, 429, 500, 502, 503, 504)


def retrying(call, now=time.monotonic, sleep=time.sleep, log=print, seconds=RETRY_SECONDS):
    """call, retried on a refusal or a transient error for up to seconds."""
    def wrapped(method, url, body=None):
        deadline, delay = now() + seconds, 5
        while True:
            try:
                return call(method, url, body)
            except urllib.error.HTTPError as e:
                # A POST the service may have carried out (a 5xx, a lost
                # answer) is not sent again: a second start is a second run.
                if e.code not in RETRIED or now() >= deadline or method == "POST" and e.code not in (401, 403, 429):
                    raise
                log("release gate: %s %s answered %d; retrying in %ds" % (method, url.split("?")[0], e.code, delay))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
                if now() >= deadline or method == "POST":
                    raise
                log("release gate: %s %s failed (%s); retrying in %ds" % (method, url.split("?")[0], e, delay))
            sleep(delay)
            delay = min(delay * 2, 60)
    return wrapped


def http(method, url, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else {}


class CloudRun:
    """The region's Cloud Run service. It moves traffic to a revision only
    once the revision is ready (the service's traffic follows LATEST, which
    is the latest ready revision); the gate then measures the revision's
    5xx ratio and p99 latency in Cloud Monitoring over the bake."""

    def __init__(self, env, call):
        self.region, self.project, self.service = env["REGION"], env["PROJECT"], env["SERVICE"]
        self.max_5xx_percent = float(env["MAX_5XX_PERCENT"])
        self.max_p99_ms = float(env["MAX_P99_MS"])
        self.run = env.get("RUN_API", "https://run.googleapis.com") + "/v2/projects/%s/locations/%s/services/%s" % (
            self.project, self.region, self.service)
        self.monitoring = env.get("MONITORING_API", "https://monitoring.googleapis.com") + "/v3/projects/%s/timeSeries" % self.project
        self.call = call
        self.revision, self.since = None, None

    def rollout(self):
        svc = self.call("GET", self.run)
        latest, ready = svc.get("latestCreatedRevision", ""), svc.get("latestReadyRevision", "")
        cond = svc.get("terminalCondition", {})
        if latest != ready:
            if cond.get("state") == "CONDITION_FAILED":
                return "failed", "%s is not ready: %s; Cloud Run keeps serving %s" % (short(latest), cond.get("message", ""), short(ready))
            return "pending", "%s is not ready yet" % short(latest)
        serving = sum(t.get("percent", 0) for t in svc.get("trafficStatuses", []) if t.get("type") == "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST" or t.get("revision") == short(latest))
        if serving < 100:
            return "pending", "%s serves %d%% of traffic" % (short(latest), serving)
        if self.revision is None:
            self.revision = short(latest)
            self.since = time.time()
        elif short(latest) != self.revision:
            return "failed", "%s replaced %s" % (short(latest), self.revision)
        return "ready", self.revision

    def _series(self, metric, extra, aligner, reducer, group_by):
        end = time.time()
        start = min(self.since or end, end - 60)
        q = [
            ("filter", 'metric.type="run.googleapis.com/request_%s" AND resource.type="cloud_run_revision" AND resource.labels.service_name="%s" AND resource.labels.revision_name="%s"%s' % (
                metric, self.service, self.revision, extra)),
            ("interval.startTime", rfc3339(start)), ("interval.endTime", rfc3339(end)),
            ("aggregation.alignmentPeriod", "%ds" % max(60, int(end - start))),
            ("aggregation.perSeriesAligner", aligner), ("aggregation.crossSeriesReducer", reducer),
        ] + [("aggregation.groupByFields", g) for g in group_by]
        return self.call("GET", self.monitoring + "?" + urllib.parse.urlencode(q)).get("timeSeries", [])

    def firing(self):
        out = []
        counts = {}
        for ts in self._series("count", "", "ALIGN_DELTA", "REDUCE_SUM", ["metric.labels.response_code_class"]):
            cls = ts.get("metric", {}).get("labels", {}).get("response_code_class", "")
            counts[cls] = counts.get(cls, 0) + sum(int(p["value"].get("int64Value", 0)) for p in ts.get("points", []))
        total = sum(counts.values())
        if total and 100.0 * counts.get("5xx", 0) / total > self.max_5xx_percent:
            out.append("5xx %.1f%% > %g%%" % (100.0 * counts["5xx"] / total, self.max_5xx_percent))
        for ts in self._series("latencies", "", "ALIGN_PERCENTILE_99", "REDUCE_MAX", []):
            for p in ts.get("points", []):
                v = float(p["value"].get("doubleValue", 0))
                if v > self.max_p99_ms:
                    out.append("p99 %.0f ms > %g ms" % (v, self.max_p99_ms))
                    break
        return out

    def roll_back(self):
        svc = self.call("GET", self.run)
        if svc.get("latestCreatedRevision") != svc.get("latestReadyRevision"):
            return "Cloud Run moved no traffic to it: %s still serves" % short(svc.get("latestReadyRevision", ""))
        revisions = self.call("GET", self.run + "/revisions").get("revisions", [])
        current = short(svc.get("latestReadyRevision", ""))
        older = sorted((r for r in revisions if short(r["name"]) != current and ready(r)), key=lambda r: r.get("createTime", ""), reverse=True)
        if not older:
            return "no previous ready revision to go back to (a first release)"
        previous = short(older[0]["name"])
        self.call("PATCH", self.run + "?updateMask=traffic", {"traffic": [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": previous, "percent": 100}]})
        return "traffic moved back to %s (a pulumi up of the previous image, or of a fix, makes the next revision)" % previous


def run_if_writer(env, call):
    """A Google Cloud schedule's runner: its region's Cloud SQL instance
    is asked whether it is the primary (instances.get: instanceType
    CLOUD_SQL_INSTANCE, not READ_REPLICA_INSTANCE); only there does it run
    the schedule's job (jobs.run), so the job runs once for the stack, next
    to the writer, and follows a promotion with no person."""
    sql = env.get("SQLADMIN_API", "https://sqladmin.googleapis.com")
    run = env.get("RUN_API", "https://run.googleapis.com")
    instance = call("GET", "%s/v1/projects/%s/instances/%s" % (sql, env["PROJECT"], env["INSTANCE"]))
    # A fenced old primary (the failover job sets activationPolicy NEVER)
    # is not the writer, whatever its type.
    fenced = instance.get("settings", {}).get("activationPolicy") == "NEVER"
    if instance.get("instanceType") != "CLOUD_SQL_INSTANCE" or instance.get("state") != "RUNNABLE" or fenced:
        print("schedule %s: %s's instance is %s (%s), not the writer: not run here" % (
            env["SCHEDULE"], env["REGION"], instance.get("instanceType"), instance.get("state")))
        return False
    call("POST", "%s/v2/projects/%s/locations/%s/jobs/%s:run" % (run, env["PROJECT"], env["REGION"], env["JOB"]), {})
    print("schedule %s: started %s in %s" % (env["SCHEDULE"], env["JOB"], env["REGION"]))
    return True


def short(name):
    """A revision's id from its full name or itself."""
    return name.rsplit("/", 1)[-1]


def ready(revision):
    return any(c.get("type") == "Ready" and c.get("state") == "CONDITION_SUCCEEDED" for c in revision.get("conditions", []))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def google_token(env):
    metadata = env.get("METADATA_URL", "http://metadata.google.internal")
    req = urllib.request.Request(metadata + "/computeMetadata/v1/instance/service-accounts/default/token", headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["access_token"]


# --- Azure: a container app in single revision mode (ARM REST) -------------

class ContainerApps:
    """The region's container app. In single revision mode Container Apps
    moves traffic to a new revision only once it is ready, and keeps the old
    one serving when it never is ("Update and deploy changes in Azure
    Container Apps"); the app's PUT may still succeed
    (pulumi/pulumi-azure-native#2779), so the gate compares
    latestRevisionName with latestReadyRevisionName. Over the bake it
    measures the revision's 5xx share (Requests by revisionName and
    statusCodeCategory) and the app's average response time (ResponseTime
    has neither a revision dimension nor a percentile)."""

    API = "2024-03-01"

    def __init__(self, env, call):
        self.region, self.app = env["REGION"], env["APP_ID"]
        # The workers' apps: each must have its new revision ready too.
        self.workers = [w for w in env.get("WORKER_APP_IDS", "").split(",") if w]
        self.max_5xx_percent = float(env["MAX_5XX_PERCENT"])
        self.max_ms = float(env["MAX_P99_MS"])
        self.arm = env.get("ARM_API", "https://management.azure.com")
        self.call = call
        self.revision, self.since = None, None

    def _get(self, path="", app=None):
        return self.call("GET", "%s%s%s?api-version=%s" % (self.arm, app or self.app, path, self.API))

    def _worker(self, app):
        """A worker's app: failed, pending, or ready on its latest revision."""
        props = self._get(app=app)["properties"]
        latest, ready = props.get("latestRevisionName", ""), props.get("latestReadyRevisionName", "")
        if latest == ready:
            return "ready", latest
        rev = self._get("/revisions/" + latest, app=app)["properties"]
        name = app.rsplit("/", 1)[-1]
        if rev.get("provisioningState") == "Failed" or rev.get("runningState") in ("Failed", "Degraded") or rev.get("healthState") == "Unhealthy":
            return "failed", "worker %s: %s is %s: %s" % (name, latest, rev.get("runningState", rev.get("provisioningState")), rev.get("provisioningError", ""))
        return "pending", "worker %s: %s is not ready yet" % (name, latest)

    def rollout(self):
        for app in self.workers:
            state, detail = self._worker(app)
            if state != "ready":
                return state, detail
        return self._rollout_api()

    def _rollout_api(self):
        props = self._get()["properties"]
        latest, ready = props.get("latestRevisionName", ""), props.get("latestReadyRevisionName", "")
        rev = self._get("/revisions/" + latest)["properties"]
        if latest != ready:
            if rev.get("provisioningState") == "Failed" or rev.get("runningState") in ("Failed", "Degraded") or rev.get("healthState") == "Unhealthy":
                return "failed", "%s is %s (%s): %s; Container Apps keeps serving %s" % (
                    latest, rev.get("runningState", rev.get("provisioningState")), rev.get("healthState", ""), rev.get("provisioningError", ""), ready)
            return "pending", "%s is not ready yet" % latest
        if not rev.get("active") or rev.get("trafficWeight", 0) < 100:
            return "pending", "%s serves %d%% of traffic" % (latest, rev.get("trafficWeight", 0))
        if self.revision is None:
            self.revision, self.since = latest, time.time()
        elif latest != self.revision:
            return "failed", "%s replaced %s" % (latest, self.revision)
        return "ready", self.revision

    def _metric(self, name, aggregation, flt):
        end = time.time()
        start = min(self.since or end, end - 60)
        q = urllib.parse.urlencode([("api-version", "2023-10-01"), ("metricnames", name), ("metricnamespace", "Microsoft.App/containerapps"),
                                    ("timespan", "%s/%s" % (rfc3339(start), rfc3339(end))), ("interval", "PT1M"), ("aggregation", aggregation)]
                                   + ([("$filter", flt)] if flt else []))
        return self.call("GET", "%s%s/providers/Microsoft.Insights/metrics?%s" % (self.arm, self.app, q)).get("value", [])

    def firing(self):
        out = []
        counts = {}
        for m in self._metric("Requests", "Total", "revisionName eq '%s' and statusCodeCategory eq '*'" % self.revision):
            for ts in m.get("timeseries", []):
                cls = next((d["value"] for d in ts.get("metadatavalues", []) if d["name"]["value"].lower() == "statuscodecategory"), "")
                counts[cls] = counts.get(cls, 0) + sum(p.get("total") or 0 for p in ts.get("data", []))
        total = sum(counts.values())
        if total and 100.0 * counts.get("5xx", 0) / total > self.max_5xx_percent:
            out.append("5xx %.1f%% > %g%%" % (100.0 * counts["5xx"] / total, self.max_5xx_percent))
        for m in self._metric("ResponseTime", "Average", ""):
            worst = max((p.get("average") or 0 for ts in m.get("timeseries", []) for p in ts.get("data", [])), default=0)
            if worst > self.max_ms:
                out.append("average response time %.0f ms > %g ms" % (worst, self.max_ms))
        return out

    def roll_back(self):
        return "; ".join(self._roll_back(app) for app in [self.app] + self.workers)

    def _roll_back(self, app):
        props = self._get(app=app)["properties"]
        latest, ready = props.get("latestRevisionName", ""), props.get("latestReadyRevisionName", "")
        if latest != ready:
            return "Container Apps moved no traffic to it: %s still serves" % ready
        revisions = self._get("/revisions", app=app).get("value", [])
        older = sorted((r for r in revisions if r["name"] != latest and r["properties"].get("provisioningState") == "Provisioned"),
                       key=lambda r: r["properties"].get("createdTime", ""), reverse=True)
        if not older:
            return "no previous revision to go back to (a first release)"
        previous = older[0]["name"]
        # Single revision mode: activating the old revision and
        # deactivating the new one leaves the old one serving.
        for action, rev in (("activate", previous), ("deactivate", latest)):
            self.call("POST", "%s%s/revisions/%s/%s?api-version=%s" % (self.arm, app, rev, action, self.API))
        return "re-activated %s and deactivated %s (a pulumi up of the previous image, or of a fix, makes the next revision)" % (previous, latest)


def run_job(env, call, now=None, sleep=None, log=print):
    """Start a Container Apps job's execution and wait for it: the
    execution's name once it succeeds; Failed with its status and where its
    logs are otherwise (Jobs.json 2024-03-01: Jobs_Start, JobExecution)."""
    now, sleep = now or time.monotonic, sleep or time.sleep
    arm, job = env.get("ARM_API", "https://management.azure.com"), env["JOB_ID"]
    api = "api-version=2024-03-01"
    name_of_job = job.rsplit("/", 1)[-1]
    started = time.time()
    r = call("POST", "%s%s/start?%s" % (arm, job, api), {})
    execution = (r or {}).get("name")
    if not execution:
        # A 202 (the start is long-running): the newest execution since.
        runs = call("GET", "%s%s/executions?%s" % (arm, job, api)).get("value", [])
        runs = [x for x in runs if x.get("properties", {}).get("startTime", "") >= rfc3339(started - 60)]
        if not runs:
            raise Failed("job %s: started, but no execution is listed" % name_of_job)
        execution = max(runs, key=lambda x: x["properties"]["startTime"])["name"]
    log("job %s: execution %s started" % (name_of_job, execution))
    deadline = now() + int(env["TIMEOUT_SECONDS"])
    while True:
        status = call("GET", "%s%s/executions/%s?%s" % (arm, job, execution, api)).get("properties", {}).get("status", "Unknown")
        if status == "Succeeded":
            log("job %s: execution %s succeeded" % (name_of_job, execution))
            return execution
        if status in ("Failed", "Stopped", "Degraded"):
            raise Failed("job %s: execution %s %s; its logs: ContainerAppConsoleLogs_CL | where ContainerGroupName_s startswith '%s'" % (
                name_of_job, execution, status.lower(), execution))
        if now() >= deadline:
            raise Failed("job %s: execution %s still %s after %ss" % (name_of_job, execution, status.lower(), env["TIMEOUT_SECONDS"]))
        sleep(15)


def run_if_primary(env, call):
    """An Azure schedule's runner: its region's SQL server is asked whether
    it holds the failover group's primary (failoverGroups get:
    properties.replicationRole); only there does it start the schedule's
    job. A server outside the group (404) is not the writer."""
    arm = env.get("ARM_API", "https://management.azure.com")
    try:
        group = call("GET", "%s%s/failoverGroups/%s?api-version=2021-11-01" % (arm, env["SERVER_ID"], env["FAILOVER_GROUP"]))
    except urllib.error.HTTPError as e:
        if e.code != 404:
            raise
        group = {}
    role = group.get("properties", {}).get("replicationRole", "none")
    if role != "Primary":
        print("schedule %s: %s's server is %s in the failover group: not run here" % (env["SCHEDULE"], env["REGION"], role))
        return False
    call("POST", "%s%s/start?api-version=2024-03-01" % (arm, env["JOB_ID"]), {})
    print("schedule %s: started %s" % (env["SCHEDULE"], env["JOB_ID"].rsplit("/", 1)[-1]))
    return True


def identity_token(env):
    """A Container Apps job's managed identity token ("Managed identities in
    Azure Container Apps": IDENTITY_ENDPOINT, X-IDENTITY-HEADER)."""
    q = urllib.parse.urlencode({"resource": "https://management.azure.com/", "api-version": "2019-08-01", "client_id": env["AZURE_CLIENT_ID"]})
    req = urllib.request.Request(env["IDENTITY_ENDPOINT"] + "?" + q, headers={"X-IDENTITY-HEADER": env["IDENTITY_HEADER"]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["access_token"]


def azure_token():
    """The deployment script's CLI is signed in as its managed identity."""
    return subprocess.run(["az", "account", "get-access-token", "--resource", "https://management.azure.com/", "--query", "accessToken", "-o", "tsv"],
                          check=True, capture_output=True, text=True).stdout.strip()


def main(env, platform):
    try:
        gate(platform, int(env["BAKE_SECONDS"]), int(env.get("SETTLE_SECONDS", "600")), int(env.get("POLL_SECONDS", "15")))
    except Failed as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    env = dict(os.environ)
    if env.get("CLOUD") == "gcp-schedule":
        token = google_token(env)
        run_if_writer(env, retrying(lambda m, u, b=None: http(m, u, token, b)))
        sys.exit(0)
    if env.get("CLOUD") == "gcp":
        token = google_token(env)
        sys.exit(main(env, CloudRun(env, retrying(lambda m, u, b=None: http(m, u, token, b)))))
    if env.get("CLOUD") == "azure-schedule":
        token = identity_token(env)
        run_if_primary(env, retrying(lambda m, u, b=None: http(m, u, token, b)))
        sys.exit(0)
    if env.get("CLOUD") == "azure-job":
        token = azure_token()
        try:
            run_job(env, retrying(lambda m, u, b=None: http(m, u, token, b)))
        except Failed as e:
            sys.exit(str(e))
        sys.exit(0)
    if env.get("CLOUD") == "azure":
        token = azure_token()
        sys.exit(main(env, ContainerApps(env, retrying(lambda m, u, b=None: http(m, u, token, b)))))
    sys.exit("gate: CLOUD must be gcp, azure or azure-job (AWS runs handler or migrate)")
