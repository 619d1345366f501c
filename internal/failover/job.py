"""mobile-backend failover job: Azure Container Apps jobs and Google Cloud Run
jobs run it every minute in the writer's successor region.

It promotes the successor's database only on evidence that the writer's
region is lost (internal/failover/scenarios.json is its contract, and the
tests run every row through this file):
  1. the writer's own hostname fails this job's probes, and a second vantage
     point confirms it over a sustained window (Front Door's origin health;
     Cloud Monitoring's uptime checkers);
  2. the successor serves now (its own hostname answers, and the edge does
     not see it fail);
  3. no release window is open;
  4. the writer database itself is unreachable on its data path (a TDS
     PRELOGIN to the Azure SQL server, a PostgreSQL SSLRequest to Cloud SQL),
     while this region's own database answers the same probe.
A signal that cannot be read is no evidence: the job holds and says why.
Every step is idempotent and checks the cloud's state first, so a run that
stops half way is finished by the next, and two runs cannot act twice (a
failover group forces over only from its secondary; promoteReplica only
promotes a replica; a URL map patch carries its fingerprint).

It writes one JSON object a line to standard output: {"event": "alert" |
"notify" | "action" | "decision" | "ran", ...}; the platform's log alerts
route alerts and notifications to people, and say when no run has
finished for a while. Exit status 1: the run failed (a probe
refused or redirected, a failed promotion, bad configuration).

Python 3.9 or later, standard library only. Configuration: environment
variables (see Config).
"""

import datetime
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Reasons, as in internal/failover/scenarios.go.
PROBE_REFUSED = "probe-refused"
NOT_CONFIRMED = "not-confirmed"
SECOND_OPINION = "second-opinion-unreadable"
SUCCESSOR_UNHEALTHY = "successor-unhealthy"
DATABASE_REPLICATES = "database-replicating"
DATABASE_UNKNOWN = "database-unreadable"
RELEASE = "release-in-progress"
RELEASE_UNKNOWN = "release-unreadable"
PROMOTION_FAILED = "promotion-failed"

# Answers that say the probe itself is refused or misdirected, not that the
# region is down (internal/failover: RefusedStatuses).
REFUSED_STATUSES = {301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 407, 426, 429}

# The edge's verdict over the window: down when every one of the last
# WINDOW minutes had at most this share of healthy probes; up when the
# latest had more than UP_SHARE.
WINDOW = 2
DB_PROBES = 3
DOWN_SHARE = 1.0 / 6
UP_SHARE = 1.0 / 5


class Config:
    """The job's settings, from the environment."""

    def __init__(self, env):
        self.env = env
        self.cloud = self.need("CLOUD")
        self.writer_url = self.need("WRITER_PROBE_URL")
        self.successor_url = self.need("SUCCESSOR_PROBE_URL")
        self.probes = int(env.get("PROBES", "3"))
        self.probe_interval = float(env.get("PROBE_INTERVAL_SECONDS", "5"))
        self.probe_timeout = float(env.get("PROBE_TIMEOUT_SECONDS", "5"))
        self.db_timeout = float(env.get("DB_TIMEOUT_SECONDS", "3"))
        self.backoff = float(env.get("BACKOFF_SECONDS", "1"))
        self.writer_db = env.get("WRITER_DB_ADDRESS", "")
        self.local_db = env.get("LOCAL_DB_ADDRESS", "")
        self.next_step = env.get("NEXT_STEP", "Make this region the stack's writer region and run pulumi up.")

    def need(self, key):
        v = self.env.get(key, "")
        if not v:
            raise SystemExit(fail("config", "%s is not set" % key))
        return v


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s):
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None


def emit(event, **fields):
    fields["event"] = event
    fields.setdefault("severity", "NOTICE")
    print(json.dumps(fields, sort_keys=True), flush=True)


def fail(step, message):
    emit("decision", severity="ERROR", decision="failed", step=step, message=message)
    return 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not something to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class APIError(Exception):
    """A cloud API call that failed after its retries."""

    def __init__(self, status, body):
        Exception.__init__(self, "HTTP %s: %s" % (status, body[:300]))
        self.status = status
        self.body = body


def call(method, url, headers=None, body=None, attempts=3, backoff=1.0, timeout=10):
    """A cloud API call, retried on throttling, 5xx and connection errors
    with exponential backoff. Returns (status, parsed JSON or None)."""
    data = None
    headers = dict(headers or {})
    if isinstance(body, bytes):
        data = body  # the caller sets its Content-Type
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    last = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * (2 ** (attempt - 1)))
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with OPENER.open(req, timeout=timeout) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw.strip() else None)
        except urllib.error.HTTPError as e:
            raw = e.read().decode("utf-8", "replace")
            last = APIError(e.code, raw)
            if e.code != 429 and e.code < 500:
                raise last
        except (urllib.error.URLError, socket.timeout, ConnectionError) as e:
            last = APIError(0, str(e))
    raise last


def probe_once(url, timeout):
    """One GET of a health URL: up, down or refused."""
    try:
        with OPENER.open(urllib.request.Request(url, method="GET"), timeout=timeout) as resp:
            return "up" if 200 <= resp.status < 300 else "down"
    except urllib.error.HTTPError as e:
        return "refused" if e.code in REFUSED_STATUSES else "down"
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError):
        return "down"


def probe(cfg, url):
    """The hostname over the run: up as soon as one probe answers, refused
    as soon as one is refused, down when every probe fails."""
    for i in range(cfg.probes):
        if i:
            time.sleep(cfg.probe_interval)
        seen = probe_once(url, cfg.probe_timeout)
        if seen != "down":
            return seen
    return "down"


def address(addr):
    host, _, port = addr.rpartition(":")
    return host, int(port)


# TDS 7.x PRELOGIN (MS-TDS 2.2.6.5; the sample of section 4.1): a packet of
# type 0x12 whose options are VERSION, ENCRYPTION, INSTOPT, THREADID and MARS.
TDS_PRELOGIN = bytes.fromhex(
    "1201002f00000100"
    "00001a0006" "0100200001" "0200210001" "0300220004" "0400260001" "ff"
    "090000000000" "01" "00" "b80d0000" "01")


def tds_answers(addr, timeout):
    """A SQL Server (Azure SQL's gateway) answers a PRELOGIN with a tabular
    result packet (type 0x04)."""
    with socket.create_connection(address(addr), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(TDS_PRELOGIN)
        head = s.recv(8)
        return len(head) >= 1 and head[0] == 0x04


# PostgreSQL SSLRequest: length 8, code 80877103; the server answers one
# byte, S or N (PostgreSQL protocol, "SSL Session Encryption").
PG_SSL_REQUEST = bytes.fromhex("0000000804d2162f")


def pg_answers(addr, timeout):
    with socket.create_connection(address(addr), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(PG_SSL_REQUEST)
        return s.recv(1) in (b"S", b"N")


def data_path(cfg, answers):
    """The writer database on its data path: lost (no answer while this
    region's own database answers), replicating (it answers), unreadable
    (this region's own does not answer: this job cannot tell). The local
    database is asked first: a fresh Cloud Run instance's Direct VPC egress
    can take a minute or more to come up (Cloud Run, "Direct VPC egress"),
    and a writer probed before it would look lost."""
    def ok(addr):
        for i in range(DB_PROBES):
            if i:
                time.sleep(min(cfg.probe_interval, 1))
            try:
                if answers(addr, cfg.db_timeout):
                    return True
            except OSError:
                pass
        return False

    if not ok(cfg.local_db):
        return "unreadable"
    return "replicating" if ok(cfg.writer_db) else "lost"


def edge_verdict(shares):
    """The edge's view from healthy shares per minute, oldest first: down
    for the whole window, up now, or down now but not yet for the window
    (confirming: the next runs will tell)."""
    if len(shares) < WINDOW:
        return "unreadable"
    if shares[-1] > DOWN_SHARE:
        return "up"
    if all(s <= DOWN_SHARE for s in shares[-WINDOW:]):
        return "down"
    return "confirming"


def successor_verdict(shares):
    if not shares:
        return "unreadable"
    return "up" if shares[-1] > UP_SHARE else "down"


class Azure:
    """Evidence and actions through Azure Resource Manager: the failover
    group of this region's server, Front Door's origin health, the resource
    group's tags (the release window, the announcement)."""

    API_SQL = "2021-11-01"
    API_METRICS = "2023-10-01"
    API_GROUPS = "2021-04-01"
    API_TAGS = "2021-04-01"
    API_CDN = "2023-05-01"
    RELEASE_TAG = "mobile-backend-release-until"
    ANNOUNCED_TAG = "mobile-backend-failover-announced"

    def __init__(self, cfg):
        e = cfg.env
        self.cfg = cfg
        self.arm = e.get("ARM_ENDPOINT", "https://management.azure.com").rstrip("/")
        self.sub = cfg.need("SUBSCRIPTION")
        self.group = cfg.need("SERVER_GROUP")
        self.server = cfg.need("SERVER")
        self.fog = cfg.need("FAILOVER_GROUP")
        self.front_door = cfg.need("FRONT_DOOR_ID")
        self.writer_origin = cfg.need("WRITER_ORIGIN")
        self.successor_origin = cfg.need("SUCCESSOR_ORIGIN")
        self.origin_group = e.get("ORIGIN_GROUP", "api")
        # The writer's Front Door origin (its resource id): disabled once
        # this region writes, so the old writer's app gets no API traffic
        # when its region returns, until a person enables it (README).
        self.writer_origin_id = e.get("WRITER_ORIGIN_ID", "")
        # The database's point-in-time recovery window once this server is
        # the primary (the stack's dbBackupRetentionDays): the policy was
        # set on the old primary's database only (a geo-secondary takes no
        # backups), so the promoted one gets it.
        self.database_name = e.get("DATABASE", "")
        self.retention_days = int(e.get("BACKUP_RETENTION_DAYS", "0"))
        self.client_id = cfg.need("AZURE_CLIENT_ID")
        self._token = None

    def token(self):
        # Container Apps' managed identity endpoint (Container Apps docs,
        # "Managed identities": IDENTITY_ENDPOINT, X-IDENTITY-HEADER,
        # api-version 2019-08-01, client_id for a user-assigned identity);
        # it can refuse connections for a moment after start: retried.
        if self._token is None:
            q = urllib.parse.urlencode({"resource": "https://management.azure.com/", "api-version": "2019-08-01", "client_id": self.client_id})
            _, body = call("GET", self.cfg.need("IDENTITY_ENDPOINT") + "?" + q,
                           {"X-IDENTITY-HEADER": self.cfg.need("IDENTITY_HEADER")}, attempts=5, backoff=self.cfg.backoff)
            self._token = body["access_token"]
        return self._token

    def arm_call(self, method, path, body=None, attempts=3):
        return call(method, self.arm + path, {"Authorization": "Bearer " + self.token()}, body, attempts=attempts, backoff=self.cfg.backoff)

    def fog_path(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/servers/%s/failoverGroups/%s" % (self.sub, self.group, self.server, self.fog)

    def role(self):
        _, body = self.arm_call("GET", self.fog_path() + "?api-version=" + self.API_SQL)
        return body["properties"]["replicationRole"]

    def group_tags(self):
        _, body = self.arm_call("GET", "/subscriptions/%s/resourceGroups/%s?api-version=%s" % (self.sub, self.group, self.API_GROUPS))
        return (body or {}).get("tags") or {}

    def shares(self, origin, minutes, interval="PT1M", aggregation="Average"):
        """Front Door's OriginHealthPercentage of one origin of the API
        origin group, as shares per interval, oldest first (Azure Monitor
        metrics REST; dimension names may come back lower-cased)."""
        end = now()
        start = end - datetime.timedelta(minutes=minutes)
        q = urllib.parse.urlencode({
            "api-version": self.API_METRICS, "metricnames": "OriginHealthPercentage", "aggregation": aggregation,
            "interval": interval, "timespan": "%s/%s" % (rfc3339(start), rfc3339(end)),
            "$filter": "Origin eq '%s' and OriginGroup eq '%s'" % (origin, self.origin_group),
        })
        _, body = self.arm_call("GET", self.front_door + "/providers/Microsoft.Insights/metrics?" + q)
        out = []
        for metric in body.get("value", []):
            for series in metric.get("timeseries", []):
                for point in series.get("data", []):
                    v = point.get(aggregation.lower())
                    if v is not None:
                        out.append((point.get("timeStamp", ""), v / 100.0))
        return [v for _, v in sorted(out)]

    # The interface the decision uses.

    def promoted(self):
        return self.role() == "Primary"

    def pitr_path(self):
        return "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Sql/servers/%s/databases/%s/backupShortTermRetentionPolicies/default" % (
            self.sub, self.group, self.server, self.database_name)

    def backed_up(self):
        if not self.database_name or not self.retention_days:
            return True
        _, body = self.arm_call("GET", self.pitr_path() + "?api-version=" + self.API_SQL)
        return ((body or {}).get("properties") or {}).get("retentionDays") == self.retention_days

    def finished(self):
        return self.promoted() and self.ANNOUNCED_TAG in self.group_tags() and self.backed_up()

    def armed(self):
        # Front Door has ever seen the writer's origin healthy (Azure Monitor
        # keeps platform metrics 93 days; 30 are asked).
        return any(s > 0 for s in self.shares(self.writer_origin, 30 * 24 * 60, interval="P1D", aggregation="Maximum"))

    def second_opinion(self):
        return edge_verdict(self.shares(self.writer_origin, WINDOW + 3))

    def successor_edge(self):
        return successor_verdict(self.shares(self.successor_origin, WINDOW + 3))

    def release_until(self):
        return self.group_tags().get(self.RELEASE_TAG, "")

    def database(self):
        return data_path(self.cfg, tds_answers)

    def promote(self):
        """forceFailoverAllowDataLoss on this server's failover group (sent to
        the secondary; 200 or 202), then wait a little for the role."""
        if self.promoted():
            return "skipped"
        try:
            self.arm_call("POST", self.fog_path() + "/forceFailoverAllowDataLoss?api-version=" + self.API_SQL, attempts=1)
        except APIError as e:
            # FailoverGroupNotSecondary / ...RequestOnPrimary: another run or
            # the group itself got there first; 409 FailoverGroupBusy: one is
            # under way. The role says.
            if not self.promoted():
                raise e
            return "skipped"
        for _ in range(8):
            if self.promoted():
                return "done"
            time.sleep(self.cfg.backoff * 2)
        return "requested"

    def finish(self):
        """Give the promoted database the stack's point-in-time recovery
        window (a PUT of its short-term retention policy; 200, or 202 while
        it applies: the next run reads it), then record the announcement
        on the resource group (a merge of one tag)."""
        if not self.backed_up():
            self.arm_call("PUT", self.pitr_path() + "?api-version=" + self.API_SQL,
                          {"properties": {"retentionDays": self.retention_days, "diffBackupIntervalInHours": 12}})
        body = {"operation": "Merge", "properties": {"tags": {self.ANNOUNCED_TAG: rfc3339(now())}}}
        self.arm_call("PATCH", "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Resources/tags/default?api-version=%s" % (self.sub, self.group, self.API_TAGS), body)

    def promotes(self):
        return True

    def switch_traffic(self):
        return "none"

    def fenced(self):
        if not self.writer_origin_id:
            return True
        _, body = self.arm_call("GET", self.writer_origin_id + "?api-version=" + self.API_CDN)
        return ((body or {}).get("properties") or {}).get("enabledState") == "Disabled"

    def fence(self):
        """Disable the old writer's origin (Front Door origins PATCH,
        AFDOriginUpdateParameters.enabledState; 200, or 202 while it
        applies: the next run reads it). The caller checked it is not."""
        self.arm_call("PATCH", self.writer_origin_id + "?api-version=" + self.API_CDN, {"properties": {"enabledState": "Disabled"}})
        return "done"


class Google:
    """Evidence and actions through Google APIs: uptime checks (Cloud
    Monitoring), the Cloud SQL replica, the writer's private record (Cloud
    DNS), the URL map (Compute Engine), the release window (an object in
    Cloud Storage)."""

    def __init__(self, cfg):
        e = cfg.env
        self.cfg = cfg
        self.base = e.get("GOOGLE_APIS", "")
        self.metadata = e.get("METADATA_URL", "http://metadata.google.internal")
        self.project = cfg.need("PROJECT")
        self.writer_check = cfg.need("WRITER_CHECK_ID")
        self.successor_check = cfg.need("SUCCESSOR_CHECK_ID")
        self.release_bucket = cfg.need("RELEASE_BUCKET")
        self.release_object = cfg.need("RELEASE_OBJECT")
        self.url_map = e.get("URL_MAP", "")  # a self link; empty: no traffic switch
        self.standby_backend = e.get("STANDBY_BACKEND", "")
        self.replica = e.get("REPLICA", "")  # empty: no promotion
        # The old primary: stopped once the replica is promoted (activation
        # policy NEVER; a primary may be stopped, a replica may not: Cloud
        # SQL, "Start, stop, and restart instances"), so no pooled
        # connection writes to it when its region returns.
        self.old_primary = e.get("OLD_PRIMARY", "")
        # The region directory as it reads once this region writes (the
        # lost region left out), written over the deployed one in the
        # uploads bucket: apps see the new writer within its cache lifetime.
        self.directory = e.get("DIRECTORY", "")
        self.directory_object = e.get("DIRECTORY_OBJECT", "")
        self.directory_cache = e.get("DIRECTORY_CACHE_CONTROL", "public, max-age=60")
        self.replica_address = e.get("REPLICA_ADDRESS", "")
        self.zone = e.get("WRITER_ZONE", "")
        self.record = e.get("WRITER_RECORD", "")
        # The other regions' reader records: their replicas still follow
        # the old primary after the promotion (Cloud SQL re-points none), so
        # their reads move to the new writer until they are re-created.
        self.readers = [r for r in e.get("READER_RECORDS", "").split(",") if r]
        self.ttl = int(e.get("WRITER_TTL", "30"))
        # The backups a writer keeps (the stack's dbBackupRetentionDays and
        # backupCopyRetentionDays): a replica has none, so the promoted one
        # gets them (Cloud SQL, "About Cloud SQL backups": replicas take no
        # backups; point-in-time recovery needs backups enabled).
        self.log_days = int(e.get("BACKUP_LOG_DAYS", "7"))
        self.retained = int(e.get("BACKUP_RETAINED", "7"))
        self._token = None

    def api(self, service, path):
        if self.base:
            return "%s/%s%s" % (self.base, service, path)
        return "https://%s.googleapis.com%s" % (service, path)

    def url(self, self_link):
        if self.base:
            return self.base + "/compute" + urllib.parse.urlparse(self_link).path
        return self_link

    def token(self):
        if self._token is None:
            _, body = call("GET", self.metadata + "/computeMetadata/v1/instance/service-accounts/default/token",
                           {"Metadata-Flavor": "Google"}, attempts=5, backoff=self.cfg.backoff)
            self._token = body["access_token"]
        return self._token

    def g(self, method, url, body=None, attempts=3):
        return call(method, url, {"Authorization": "Bearer " + self.token()}, body, attempts=attempts, backoff=self.cfg.backoff)

    def passed(self, check, minutes, aligner="ALIGN_FRACTION_TRUE", period=60, reducer="REDUCE_MEAN"):
        """check_passed of one uptime check, every checker location folded
        into one value per period (projects.timeSeries.list; points come
        newest first), oldest first."""
        end = now()
        q = urllib.parse.urlencode({
            "filter": 'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND metric.label.check_id="%s"' % check,
            "interval.startTime": rfc3339(end - datetime.timedelta(minutes=minutes)), "interval.endTime": rfc3339(end),
            "aggregation.alignmentPeriod": "%ds" % period, "aggregation.perSeriesAligner": aligner,
            "aggregation.crossSeriesReducer": reducer, "view": "FULL",
        })
        _, body = self.g("GET", self.api("monitoring", "/v3/projects/%s/timeSeries?%s" % (self.project, q)))
        out = []
        for series in (body or {}).get("timeSeries", []):
            for p in series.get("points", []):
                v = p.get("value", {})
                x = v.get("doubleValue", v.get("int64Value"))
                if x is not None:
                    out.append((p["interval"]["endTime"], float(x)))
        return [v for _, v in sorted(out)]

    def instance(self):
        _, body = self.g("GET", self.api("sqladmin", "/v1/projects/%s/instances/%s" % (self.project, self.replica)))
        return body

    def rrset(self, record=None):
        _, body = self.g("GET", self.api("dns", "/dns/v1/projects/%s/managedZones/%s/rrsets/%s/A" % (self.project, self.zone, record or self.record)))
        return body or {}

    def point(self, record):
        """Point a record of the writer's zone at the promoted replica."""
        self.g("PATCH", self.api("dns", "/dns/v1/projects/%s/managedZones/%s/rrsets/%s/A" % (self.project, self.zone, record)),
               {"name": record, "type": "A", "ttl": self.ttl, "rrdatas": [self.replica_address]})

    def url_map_now(self):
        _, body = self.g("GET", self.url(self.url_map))
        return body

    # The interface the decision uses.

    def promoted(self):
        if not self.replica:
            return self.switched()
        return self.instance().get("instanceType") == "CLOUD_SQL_INSTANCE"

    def switched(self):
        return not self.url_map or self.url_map_now().get("defaultService") == self.standby_backend

    def moved(self):
        if not self.replica:
            return True
        return all(self.rrset(r).get("rrdatas") == [self.replica_address] for r in [self.record] + self.readers)

    def backed_up(self):
        if not self.replica:
            return True
        b = (self.instance().get("settings") or {}).get("backupConfiguration") or {}
        return bool(b.get("enabled")) and bool(b.get("pointInTimeRecoveryEnabled"))

    def published(self):
        if not self.directory:
            return True
        path = "/storage/v1/b/%s/o/%s?alt=media" % (self.release_bucket, urllib.parse.quote(self.directory_object, safe=""))
        try:
            _, body = self.g("GET", self.api("storage", path))
        except APIError as e:
            if e.status == 404:
                return False
            raise
        return body == json.loads(self.directory)

    def publish(self):
        """Write the directory (JSON API multipart upload: its metadata, the
        Cache-Control of the deployed one, then its content)."""
        boundary = "mobile-backend-directory"
        meta = json.dumps({"name": self.directory_object, "contentType": "application/json", "cacheControl": self.directory_cache})
        body = ("--%s\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n--%s\r\nContent-Type: application/json\r\n\r\n%s\r\n--%s--\r\n"
                % (boundary, meta, boundary, self.directory, boundary)).encode()
        call("POST", self.api("storage", "/upload/storage/v1/b/%s/o?uploadType=multipart" % self.release_bucket),
             {"Authorization": "Bearer " + self.token(), "Content-Type": "multipart/related; boundary=" + boundary}, body, backoff=self.cfg.backoff)

    def finished(self):
        return self.promoted() and self.switched() and self.moved() and self.backed_up() and self.published()

    def armed(self):
        # The writer's check passed at least once in six weeks, the retention
        # of uptime check metrics (Cloud Monitoring, "Data retention").
        weeks = 6 * 7 * 24 * 60
        return sum(self.passed(self.writer_check, weeks, "ALIGN_COUNT_TRUE", weeks * 60, "REDUCE_SUM")) > 0

    def second_opinion(self):
        return edge_verdict(self.passed(self.writer_check, WINDOW + 3))

    def successor_edge(self):
        return successor_verdict(self.passed(self.successor_check, WINDOW + 3))

    def release_until(self):
        path = "/storage/v1/b/%s/o/%s?alt=media" % (self.release_bucket, urllib.parse.quote(self.release_object, safe=""))
        try:
            _, body = self.g("GET", self.api("storage", path))
        except APIError as e:
            if e.status == 404:
                return ""  # never set: no window
            raise
        return (body or {}).get("until", "")

    def promotes(self):
        return bool(self.replica)

    def database(self):
        return data_path(self.cfg, pg_answers)

    def switch_traffic(self):
        """Point the URL map's default service at the standby (the read
        fingerprint guards a concurrent change: HTTP 412, read again)."""
        if self.switched():
            return "skipped"
        for _ in range(3):
            current = self.url_map_now()
            try:
                self.g("PATCH", self.url(self.url_map), {"defaultService": self.standby_backend, "fingerprint": current["fingerprint"]}, attempts=1)
                return "done"
            except APIError as e:
                if e.status != 412:
                    raise
        raise APIError(412, "the URL map kept changing")

    def promote(self):
        if not self.replica:
            return "none"
        if self.promoted():
            return "skipped"
        try:
            _, op = self.g("POST", self.api("sqladmin", "/v1/projects/%s/instances/%s/promoteReplica" % (self.project, self.replica)), attempts=1)
        except APIError as e:
            if not self.promoted():
                raise e
            return "skipped"
        return self.wait(op)

    def wait(self, op):
        """A Cloud SQL operation followed for a while: done, or still
        requested (the next run sees where it got)."""
        for _ in range(8):
            _, o = self.g("GET", self.api("sqladmin", "/v1/projects/%s/operations/%s" % (self.project, op["name"])))
            if o.get("status") == "DONE":
                if o.get("error"):
                    raise APIError(500, json.dumps(o["error"]))
                return "done"
            time.sleep(self.cfg.backoff * 2)
        return "requested"

    def fenced(self):
        if not self.old_primary:
            return True
        _, body = self.g("GET", self.api("sqladmin", "/v1/projects/%s/instances/%s" % (self.project, self.old_primary)))
        return ((body or {}).get("settings") or {}).get("activationPolicy") == "NEVER"

    def fence(self):
        """Stop the old primary: a patch of its activation policy at the
        settings version read. Its region may not answer yet: the operation
        stays requested, and the next run looks again. The caller checked
        it is not stopped yet."""
        _, body = self.g("GET", self.api("sqladmin", "/v1/projects/%s/instances/%s" % (self.project, self.old_primary)))
        version = ((body or {}).get("settings") or {}).get("settingsVersion")
        _, op = self.g("PATCH", self.api("sqladmin", "/v1/projects/%s/instances/%s" % (self.project, self.old_primary)),
                       {"settings": {"settingsVersion": version, "activationPolicy": "NEVER"}})
        return self.wait(op)

    def finish(self):
        """Move the writer's private record, and every other region's reader
        record, to the promoted replica, and give
        the new writer the backups and point-in-time recovery a writer keeps
        (a patch of its settings at the version read, so a concurrent change
        is not overwritten)."""
        for record in [self.record] + self.readers:
            if self.rrset(record).get("rrdatas") != [self.replica_address]:
                self.point(record)
        if self.replica and not self.backed_up():
            settings = self.instance().get("settings") or {}
            _, op = self.g("PATCH", self.api("sqladmin", "/v1/projects/%s/instances/%s" % (self.project, self.replica)), {"settings": {
                "settingsVersion": settings.get("settingsVersion"),
                "backupConfiguration": {
                    "enabled": True, "pointInTimeRecoveryEnabled": True,
                    "transactionLogRetentionDays": self.log_days,
                    "backupRetentionSettings": {"retentionUnit": "COUNT", "retainedBackups": self.retained},
                },
            }})
            self.wait(op)
        if not self.published():
            self.publish()


def read(evidence, name, fn):
    """A reading; an API that cannot be read is "unreadable"."""
    try:
        value = fn()
    except (APIError, KeyError, ValueError, TypeError) as e:
        evidence[name + "Error"] = str(e)[:300]
        return "unreadable"
    evidence[name] = value
    return value


def run(cfg, cloud):
    ev = {"writer": cfg.writer_url, "successor": cfg.successor_url}

    def hold(reason, message, status=0, severity="WARNING"):
        emit("alert", severity=severity, reason=reason, message=message, evidence=ev)
        return status

    # A failover already made: finished, or finished now (a run that
    # stopped half way), never repeated.
    promoted = read(ev, "promoted", cloud.promoted)
    if promoted is True:
        if read(ev, "finished", cloud.finished) is True:
            fence(cloud)  # until it holds; never undone by this job
            return 0
        return complete(cfg, cloud, ev, announce=True)

    writer = probe(cfg, cfg.writer_url)
    ev["probe"] = writer
    if writer == "up":
        return 0
    if writer == "refused":
        return hold(PROBE_REFUSED, "The probe of %s is refused or redirected (a WAF rule, a permission, a redirect): it can never succeed, so the job can see neither an outage nor a recovery. Fix the probe path." % cfg.writer_url, 1, "ERROR")
    armed = read(ev, "armed", cloud.armed)
    if armed == "unreadable":
        return hold(SECOND_OPINION, "The writer fails this job's probes, but whether the edge ever saw it healthy cannot be read: no evidence, nothing is promoted.")
    if armed is not True:
        return 0  # never seen healthy: a first deployment whose writer is not up yet
    second = read(ev, "secondOpinion", cloud.second_opinion)
    if second == "unreadable":
        return hold(SECOND_OPINION, "The writer fails this job's probes, but the edge's view of it cannot be read: no evidence, nothing is promoted.")
    if second == "confirming":
        return 0  # the edge sees it fail too, not yet for the whole window
    if second != "down":
        return hold(NOT_CONFIRMED, "The writer fails this job's probes, but the edge reaches it: nothing is promoted.")
    if probe(cfg, cfg.successor_url) != "up" or read(ev, "successorEdge", cloud.successor_edge) == "down":
        return hold(SUCCESSOR_UNHEALTHY, "The writer fails, and so does this region, which would take over: the failure is not the writer's alone (a release, a certificate, the edge). Nothing is promoted.")
    until = read(ev, "releaseUntil", cloud.release_until)
    if until == "unreadable":
        return hold(RELEASE_UNKNOWN, "The writer looks lost, but the release window cannot be read: nothing is promoted until it can.")
    t = parse_time(until) if until else None
    if t is not None and t > now():
        return hold(RELEASE, "The writer looks lost, but a release window is open until %s: the job waits it out." % until)
    db = read(ev, "database", cloud.database) if cloud.promotes() else "lost"
    if db != "lost":
        # Traffic may still move to this region (reversible, no data lost);
        # the database stays where it is.
        switched = act(ev, "switch", cloud.switch_traffic)
        if db == "replicating":
            return hold(DATABASE_REPLICATES, "The writer region fails, but its database answers on its data path: the app, not the database, is failing. No promotion%s." % (switched and ", traffic moved here" or ""))
        return hold(DATABASE_UNKNOWN, "The writer region fails, but whether its database answers cannot be told (this region's own database does not answer this job either). No promotion.")
    if not cloud.promotes():
        emit("notify", reason="switching", message="The primary region is lost: its hostname fails from here and from the edge over %d minutes, this region serves, no release window is open. Moving traffic here." % WINDOW, evidence=ev)
        return complete(cfg, cloud, ev, announce=False)
    emit("notify", reason="promoting", message="The writer region is lost: its hostname fails from here and from the edge over %d minutes, this region serves, no release window is open, and its database does not answer on its data path. Promoting this region's database." % WINDOW, evidence=ev)
    return complete(cfg, cloud, ev, announce=False)


def act(ev, name, fn):
    try:
        result = fn()
    except APIError as e:
        emit("action", severity="ERROR", action=name, result="failed", message=str(e)[:300])
        raise
    if result not in ("none",):
        emit("action", action=name, result=result)
        ev[name] = result
    return result == "done"


def fence(cloud):
    """Fence the old writer if it is not yet: quietly, every run until it
    holds (its region's API may not answer during the outage)."""
    try:
        if cloud.fenced():
            return True
        result = cloud.fence()
        emit("action", action="fence", result=result)
        return result == "done" and cloud.fenced()
    except (APIError, KeyError, ValueError, TypeError) as e:
        emit("action", severity="WARNING", action="fence", result="pending", message=str(e)[:300])
        return False


def complete(cfg, cloud, ev, announce):
    """Switch traffic, promote, move the writer's record: each only if not
    done yet; then say so."""
    try:
        act(ev, "switch", cloud.switch_traffic)
        result = cloud.promote()
        emit("action", action="promote", result=result)
        if result == "requested":
            return 0  # under way: the next run finishes it
        cloud.finish()
    except APIError as e:
        emit("alert", severity="ERROR", reason=PROMOTION_FAILED, message="The failover failed (%s); the job tries again next minute." % e, evidence=ev)
        return 1
    fenced = fence(cloud)
    ev["fenced"] = fenced
    said = " The old writer is fenced." if fenced else " The old writer is not fenced yet (its region does not answer): this job fences it as soon as it does."
    if cloud.promotes():
        emit("notify", reason="promoted", message="This region's database is the writer now." + said + " " + cfg.next_step, evidence=ev)
    else:
        emit("notify", reason="switched", message="Traffic goes to this region now. " + cfg.next_step, evidence=ev)
    return 0


def main(env):
    try:
        cfg = Config(env)
    except SystemExit as e:
        return e.code
    clouds = {"azure": Azure, "gcp": Google}
    if cfg.cloud not in clouds:
        return fail("config", "CLOUD is %r: one of azure, gcp" % cfg.cloud)
    try:
        cloud = clouds[cfg.cloud](cfg)
    except SystemExit as e:
        return e.code
    return run(cfg, cloud)


def entry(env):
    """One run as the platform starts it. Its last line says how it ended
    ({"event": "ran", "status": 0} for a run that finished): the line the
    platform's silence alert waits for, so a job that no longer runs,
    starts or finishes (an image, a schedule, a crash) is heard too."""
    status = 1
    try:
        status = main(env)
    finally:
        emit("ran", severity="INFO" if status == 0 else "ERROR", status=status)
    return status


if __name__ == "__main__":
    sys.exit(entry(os.environ))
