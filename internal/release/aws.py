"""The release gate's AWS side, beside gate.py in the Lambda functions'
code (index.py): the ECS adapter and the gate's handler, the migrations'
runner and the schedules' runner. boto3 is the Lambda runtime's.
"""
import json
import os
import time

from gate import Failed, gate  # noqa: F401  (the handlers' shared loop)


# --- AWS: an ECS service (boto3, in the Lambda runtime) --------------------

# Refusals while a function's new role propagates, and throttling: what
# an AWS call is retried on, for up to two minutes.
AWS_RETRIED = ("AccessDenied", "AccessDeniedException", "ThrottlingException", "Throttling", "ServiceUnavailableException",
               # SNS Publish's own (its API reference): a new role's grant
               # on the topic or its key not there yet, throttling.
               "AuthorizationError", "KMSAccessDenied", "Throttled", "KMSThrottling")


def aws_call(fn, now, sleep, seconds=120, **kwargs):
    deadline = now() + seconds
    while True:
        try:
            return fn(**kwargs)
        except Exception as e:  # botocore's ClientError carries its code
            code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
            if code not in AWS_RETRIED or now() >= deadline:
                raise
            sleep(10)


class ECS:
    """The region's ECS services, the API's and its workers', and the
    API's release alarms.

    Each service runs with the deployment circuit breaker (the API's also
    with the release alarms as deployment alarms), with rollback: a failing
    deployment is rolled back by ECS, which starts a new PRIMARY deployment
    of the old task definition (DescribeServices: deployments[].status,
    rolloutState, rolloutStateReason, taskDefinition). pulumi-aws's steady
    state counts that as settled; the gate does not."""

    def __init__(self, env, ecs, cloudwatch, now=time.monotonic, sleep=time.sleep, seconds=120):
        self.region = env["REGION"]
        self.now, self.sleep, self.seconds = now, sleep, seconds
        self.cluster = env["CLUSTER"]
        self.task_definition = env["TASK_DEFINITION"]
        # The API first, then each worker: (service, task definition, family).
        self.units = [(env["SERVICE"], env["TASK_DEFINITION"], env["FAMILY"])] + [
            (w["service"], w["taskDefinition"], w["family"]) for w in json.loads(env.get("WORKERS") or "[]")]
        self.alarms = [a for a in env["ALARMS"].split(",") if a]
        self.ecs, self.cloudwatch = ecs, cloudwatch

    def _call(self, fn, **kwargs):
        return aws_call(fn, self.now, self.sleep, self.seconds, **kwargs)

    def _deployments(self, service):
        svc = self._call(self.ecs.describe_services, cluster=self.cluster, services=[service])["services"]
        if not svc:
            raise Failed("release gate %s: service %s not found in %s" % (self.region, service, self.cluster))
        return svc[0]["deployments"]

    def _rollout(self, service, task_definition):
        deployments = self._deployments(service)
        primary = next(d for d in deployments if d["status"] == "PRIMARY")
        if primary["taskDefinition"] != task_definition:
            ours = [d for d in deployments if d["taskDefinition"] == task_definition]
            why = ours[0].get("rolloutStateReason", "") if ours else "its deployment is gone"
            return "failed", "ECS rolled back to %s (%s)" % (primary["taskDefinition"], why)
        state = primary.get("rolloutState", "")
        if state == "FAILED":
            return "failed", primary.get("rolloutStateReason", "deployment failed")
        if state == "COMPLETED" and len(deployments) == 1:
            return "ready", task_definition
        return "pending", "%s %s: %d of %d tasks running" % (
            task_definition, state or "IN_PROGRESS", primary.get("runningCount", 0), primary.get("desiredCount", 0))

    def rollout(self):
        pending = None
        for i, (service, task_definition, _) in enumerate(self.units):
            state, detail = self._rollout(service, task_definition)
            if i > 0:
                detail = "worker %s: %s" % (service, detail)
            if state == "failed":
                return state, detail
            if state == "pending" and pending is None:
                pending = detail
        if pending is not None:
            return "pending", pending
        return "ready", self.task_definition

    def firing(self):
        if not self.alarms:
            return []
        alarms = self._call(self.cloudwatch.describe_alarms, AlarmNames=self.alarms)["MetricAlarms"]
        return sorted(a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM")

    def roll_back(self):
        said = []
        for service, task_definition, family in self.units:
            primary = next(d for d in self._deployments(service) if d["status"] == "PRIMARY")
            if primary["taskDefinition"] != task_definition:
                said.append("ECS already serves %s" % primary["taskDefinition"])
                continue
            # Newest first; the replaced revision is still ACTIVE: pulumi
            # deregisters it only when the update ends.
            arns = self._call(self.ecs.list_task_definitions, familyPrefix=family, status="ACTIVE", sort="DESC")["taskDefinitionArns"]
            older = arns[arns.index(task_definition) + 1:] if task_definition in arns else []
            if not older:
                said.append("no previous version to go back to (a first release): %s keeps %s" % (service, task_definition))
                continue
            self._call(self.ecs.update_service, cluster=self.cluster, service=service, taskDefinition=older[0])
            said.append("rolled back to %s" % older[0])
        return "; ".join(said)


def handler(event, context):
    """The Lambda entry point: the invocation's input is the release."""
    import boto3  # the Lambda runtime's

    env = dict(os.environ)
    env.update({k: str(v) for k, v in event.items()})
    platform = ECS(env, boto3.client("ecs"), boto3.client("cloudwatch"))
    bake = int(env["BAKE_SECONDS"])
    # Settle within what the invocation has left, keeping the bake and a
    # margin for a rollback (a Lambda runs at most 900 s).
    settle = max(30, context.get_remaining_time_in_millis() // 1000 - bake - 60)
    return {"region": platform.region, "passed": gate(platform, bake, settle)}


# --- AWS: the schema migrations, an ECS task run before the first wave ----

class ECSTask:
    """One run of the migrations' task definition in its cluster."""

    def __init__(self, env, ecs, now=None, sleep=None):
        self.now, self.sleep = now or time.monotonic, sleep or time.sleep
        self.region, self.cluster = env["REGION"], env["CLUSTER"]
        self.task_definition, self.container = env["TASK_DEFINITION"], env["CONTAINER"]
        self.subnets = [s for s in env["SUBNETS"].split(",") if s]
        self.security_group = env["SECURITY_GROUP"]
        self.log_group, self.log_prefix = env["LOG_GROUP"], env["LOG_PREFIX"]
        self.ecs = ecs

    def start(self):
        # Retried on a refusal or throttling only, when no task started.
        r = aws_call(
            self.ecs.run_task, self.now, self.sleep,
            cluster=self.cluster, taskDefinition=self.task_definition, launchType="FARGATE", count=1,
            startedBy="mobile-backend-migrations",
            networkConfiguration={"awsvpcConfiguration": {"subnets": self.subnets, "securityGroups": [self.security_group], "assignPublicIp": "DISABLED"}})
        if r.get("failures") or not r.get("tasks"):
            raise Failed("migrations in %s: the task did not start: %s" % (self.region, r.get("failures")))
        return r["tasks"][0]["taskArn"]

    def ended(self, arn):
        """None while it runs, else (exit status or None, why it stopped)."""
        tasks = aws_call(self.ecs.describe_tasks, self.now, self.sleep, cluster=self.cluster, tasks=[arn])["tasks"]
        # A task just started may not be listed yet (RunTask: "eventually
        # consistent"): still running.
        if not tasks or tasks[0].get("lastStatus") != "STOPPED":
            return None
        t = tasks[0]
        c = next((c for c in t.get("containers", []) if c["name"] == self.container), {})
        return c.get("exitCode"), c.get("reason") or t.get("stoppedReason", "")

    def stop(self, arn):
        aws_call(self.ecs.stop_task, self.now, self.sleep, cluster=self.cluster, task=arn, reason="mobile-backend: the migrations ran out of time")

    def logs(self, arn):
        return task_logs(self.log_group, self.log_prefix, self.container, arn)


def task_logs(group, prefix, container, arn):
    # awslogs names a task's stream prefix/container/task-id (ECS developer
    # guide, "Using the awslogs log driver"); the task id is the ARN's last
    # segment.
    return "%s %s/%s/%s" % (group, prefix, container, arn.rsplit("/", 1)[-1])


def run_migrations(task, seconds, poll_seconds=10, now=None, sleep=None, log=print):
    """Run the task to its end; fail unless its container exited 0."""
    now, sleep = now or time.monotonic, sleep or time.sleep
    arn = task.start()
    log("migrations in %s: started %s" % (task.region, arn))
    deadline = now() + seconds
    while True:
        ended = task.ended(arn)
        if ended is not None:
            code, why = ended
            if code == 0:
                log("migrations in %s: done" % task.region)
                return {"region": task.region, "task": arn, "exitCode": 0}
            raise Failed("migrations in %s failed: exit status %s%s; logs: %s; no region took the new version" % (
                task.region, code if code is not None else "none (the container never ran)", " (%s)" % why if why else "", task.logs(arn)))
        if now() >= deadline:
            task.stop(arn)
            raise Failed("migrations in %s did not finish within %ds: stopped; logs: %s; no region took the new version" % (task.region, seconds, task.logs(arn)))
        sleep(poll_seconds)


def migrate(event, context):
    """The migrations runner's Lambda entry point."""
    import boto3  # the Lambda runtime's

    env = dict(os.environ)
    env.update({k: str(v) for k, v in event.items()})
    # Within the invocation, keeping a margin to stop the task (900 s at most).
    return run_migrations(ECSTask(env, boto3.client("ecs")), context.get_remaining_time_in_millis() // 1000 - 30)


# --- AWS: a scheduled job, run only next to the writer -------------------

# What a scheduled task's startedBy begins with (release.ScheduledBy: the
# pattern of the rule that hears them stop).
SCHEDULED_BY = "schedule-"


def scheduled(event, context, rds=None, ecs=None, now=None, sleep=None):
    """A schedule's runner: every region's scheduler calls its own at the
    schedule's time, and only the one whose Aurora cluster is the global
    database's writer runs the job (DescribeGlobalClusters:
    GlobalClusterMembers[].IsWriter), so it runs once for the stack, in the
    writer's region, wherever a failover has moved it; a lost region's
    scheduler does not fire at all. The same function hears the tasks it
    started stop (an EventBridge rule): stopped() below."""
    if event.get("detail-type") == "ECS Task State Change":
        return stopped(event, context, now=now, sleep=sleep)
    if rds is None or ecs is None:
        import boto3  # the Lambda runtime's
        rds, ecs = rds or boto3.client("rds"), ecs or boto3.client("ecs")
    now, sleep = now or time.monotonic, sleep or time.sleep
    env = dict(os.environ)
    env.update({k: str(v) for k, v in event.items()})
    clusters = aws_call(rds.describe_global_clusters, now, sleep, GlobalClusterIdentifier=env["GLOBAL_CLUSTER"])["GlobalClusters"]
    members = clusters[0]["GlobalClusterMembers"] if clusters else []
    writer = next((m["DBClusterArn"] for m in members if m.get("IsWriter")), "")
    if writer != env["CLUSTER_ARN"]:
        print("schedule %s: %s does not hold the writer (%s): not run here" % (env["SCHEDULE"], env["REGION"], writer or "none"))
        return {"schedule": env["SCHEDULE"], "ran": False}
    r = aws_call(
        ecs.run_task, now, sleep,
        cluster=env["ECS_CLUSTER"], taskDefinition=env["TASK_DEFINITION"], launchType="FARGATE", count=1,
        startedBy=(SCHEDULED_BY + env["SCHEDULE"])[:128],
        networkConfiguration={"awsvpcConfiguration": {"subnets": [x for x in env["SUBNETS"].split(",") if x], "securityGroups": [env["SECURITY_GROUP"]], "assignPublicIp": "DISABLED"}})
    if r.get("failures") or not r.get("tasks"):
        raise Failed("schedule %s in %s: the task did not start: %s" % (env["SCHEDULE"], env["REGION"], r.get("failures")))
    print("schedule %s: started %s in %s" % (env["SCHEDULE"], r["tasks"][0]["taskArn"], env["REGION"]))
    return {"schedule": env["SCHEDULE"], "ran": True, "task": r["tasks"][0]["taskArn"]}


def stopped(event, context, sns=None, now=None, sleep=None):
    """A scheduled task stopped (EventBridge's "ECS Task State Change",
    lastStatus STOPPED, started by a runner in this region's cluster): its
    job container exiting 0 is a success, anything else a failure the
    on-call topic hears: an exit status not 0, or none at all (the image
    did not pull, the task was stopped, its host was retired)."""
    if sns is None:
        import boto3  # the Lambda runtime's
        sns = boto3.client("sns")
    now, sleep = now or time.monotonic, sleep or time.sleep
    env, d = os.environ, event.get("detail", {})
    schedule, arn = d.get("startedBy", "")[len(SCHEDULED_BY):], d.get("taskArn", "")
    c = next((c for c in d.get("containers", []) if c.get("name") == env["CONTAINER"]), {})
    code = c.get("exitCode")
    if code == 0:
        print("schedule %s: %s exited 0 in %s" % (schedule, arn, env["REGION"]))
        return {"schedule": schedule, "failed": False}
    why = "; ".join(x for x in (c.get("reason"), d.get("stopCode"), d.get("stoppedReason")) if x)
    message = "The scheduled job %s failed in %s: exit status %s%s. Task %s; logs: %s" % (
        schedule, env["REGION"], code if code is not None else "none (the container never ran or was killed)",
        " (%s)" % why if why else "", arn, task_logs(env["LOG_GROUP"], env["LOG_PREFIX"], env["CONTAINER"], arn))
    # SNS: a subject under 100 ASCII characters, no line breaks (Publish).
    subject = ("mobile-backend: schedule %s failed in %s" % (schedule, env["REGION"]))[:99]
    # ECS delivers its events at least once: a duplicate is a second alert.
    aws_call(sns.publish, now, sleep, TopicArn=env["ALERT_TOPIC"], Subject=subject, Message=message)
    print(message)
    return {"schedule": schedule, "failed": True, "message": message}

