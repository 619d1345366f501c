package aws_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/release"
	"github.com/mobile-backend/mobile-backend/policies"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// Each region's service settles under the deployment circuit breaker and
// its release alarms, both with rollback, and pulumi up waits for it; its
// gate reads that one service and those alarms, and may put the service
// back on a previous task definition, passing the service's own roles to
// ECS tasks and nothing else.
func TestEachRegionsServiceIsGatedByItsOwnAlarmsAndGate(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "rel", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "releaseBakeSeconds", 240))
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		prefix := "rel-" + region
		svc := res.Recorder.Named("aws:ecs/service:Service", prefix+"-api")
		require.NotNil(t, svc, region)
		assert.True(t, svc.Bool("waitForSteadyState"), "pulumi up waits for the deployment to settle")
		assert.True(t, svc.Bool("deploymentCircuitBreaker.rollback"))
		assert.True(t, svc.Bool("alarms.enable") && svc.Bool("alarms.rollback"))
		assert.Equal(t, []any{prefix + "-release-5xx", prefix + "-release-p99"}, svc.Get("alarms.alarmNames"))
		p99 := res.Recorder.Named(TypeAlarm, prefix+"-release-p99")
		require.NotNil(t, p99)
		assert.Equal(t, "p99", p99.Str("extendedStatistic"))
		assert.InDelta(t, 1.0, p99.Get("threshold"), 1e-9, "alarmLatencyP99Ms in seconds")

		fn := res.Recorder.Named("aws:lambda/function:Function", prefix+"-release")
		require.NotNil(t, fn, region)
		assert.Equal(t, region, fn.Region, "the gate runs in its own region")
		assert.Equal(t, awsc.ReleaseGateRuntime, fn.Str("runtime"))
		assert.Equal(t, 900, fn.Int("timeout"))
		assert.Equal(t, svc.Outputs["name"], fn.Get("environment.variables.SERVICE"))
		assert.Equal(t, prefix+"-release-5xx,"+prefix+"-release-p99", fn.Get("environment.variables.ALARMS"))

		task := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", prefix+"-task")
		require.NotNil(t, task)
		inv := One(t, Filter(OfComponent(res.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:ReleaseGate"), func(r *mock.Resource) bool { return r.Region == region }), "gate invocation")
		var input map[string]any
		require.NoError(t, json.Unmarshal([]byte(inv.Str("input")), &input))
		assert.Equal(t, map[string]any{"TASK_DEFINITION": task.Outputs["arn"], "BAKE_SECONDS": float64(240)}, input)
		assert.Equal(t, task.Outputs["arn"], inv.Get("triggers.taskDefinition"), "a new task definition invokes it again")
		assert.Contains(t, inv.DependsOn, svc.URN, "it runs once the service has settled")

		var doc struct{ Statement []awsc.Statement }
		policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", prefix+"-release-policy")
		require.NotNil(t, policy)
		require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
		bySid := map[string]awsc.Statement{}
		for _, st := range doc.Statement {
			bySid[st.Sid] = st
		}
		assert.Equal(t, []string{svc.ID}, bySid["ReadAndRollBackTheService"].Resource, "the one service (its id is its ARN)")
		pass := bySid["PassTheTasksRoles"]
		taskRole, execRole := res.Recorder.Named("aws:iam/role:Role", prefix+"-task-role"), res.Recorder.Named("aws:iam/role:Role", prefix+"-exec-role")
		require.NotNil(t, taskRole)
		require.NotNil(t, execRole)
		assert.Equal(t, []string{taskRole.Outputs["arn"].(string), execRole.Outputs["arn"].(string)}, pass.Resource)
		assert.Equal(t, map[string]map[string]string{"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, pass.Condition)
		assert.Len(t, doc.Statement, 5, "logs, the service, the task definitions' list, the alarms, the roles")
	}
}

// The migrations: the release's image and the command, signed in as the
// master user with its password by reference, in the writer region's
// private subnets and a cluster of their own; the runner may run that
// family in that cluster, watch and stop its tasks, and pass its two roles.
func TestTheMigrationsTaskSignsInAsTheSchemasOwnerAndIsRunByTheDeployment(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "mig", With(Contract("aws", "active-passive", "us-east-1", "eu-west-1"),
		"migrations", []string{"/app/migrate", "up"}, "image", "public.ecr.aws/acme/api:42"))
	task := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", "mig-migrations-task")
	require.NotNil(t, task)
	assert.Equal(t, "us-east-1", task.Region)
	var containers []struct {
		Name, Image string
		Command     []string
		Environment []struct{ Name, Value string }
		Secrets     []struct{ Name, ValueFrom string }
	}
	require.NoError(t, json.Unmarshal([]byte(task.Str("containerDefinitions")), &containers))
	require.Len(t, containers, 1)
	c := containers[0]
	assert.Equal(t, "public.ecr.aws/acme/api:42", c.Image, "the release's image")
	assert.Equal(t, []string{"/app/migrate", "up"}, c.Command)
	env := map[string]string{}
	for _, e := range c.Environment {
		env[e.Name] = e.Value
	}
	assert.Equal(t, awsc.MasterUsername, env["DB_USER"], "the schema's owner")
	secret := res.Recorder.Named("aws:secretsmanager/secret:Secret", "mig-db-us-east-1-master")
	if secret == nil {
		for _, s := range res.Recorder.OfType("aws:secretsmanager/secret:Secret") {
			if s.Region == "us-east-1" && strings.Contains(s.Name, "master") {
				secret = s
			}
		}
	}
	require.NotNil(t, secret, "the cluster's master secret")
	require.Len(t, c.Secrets, 1)
	assert.Equal(t, "DB_PASSWORD", c.Secrets[0].Name)
	assert.Equal(t, secret.Outputs["arn"].(string)+":password::", c.Secrets[0].ValueFrom, "by reference, its JSON key")

	fn := res.Recorder.Named("aws:lambda/function:Function", "mig-migrations-run")
	require.NotNil(t, fn)
	assert.Equal(t, "index.migrate", fn.Str("handler"))
	assert.Equal(t, 900, fn.Int("timeout"))
	inv := One(t, OfComponent(res.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:Migrations"), "runner")
	assert.JSONEq(t, `{"TASK_DEFINITION": "`+task.Outputs["arn"].(string)+`"}`, inv.Str("input"))
	users := One(t, OfComponent(res.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:DatabaseUsers"), "users")
	g := policies.NewGraph(res.Recorder.Resources())
	assert.True(t, g.DependsOn(inv, users), "after the database users job")

	policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", "mig-migrations-run-policy")
	require.NotNil(t, policy)
	var doc struct{ Statement []awsc.Statement }
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	bySid := map[string]awsc.Statement{}
	for _, st := range doc.Statement {
		bySid[st.Sid] = st
	}
	cluster := res.Recorder.Named("aws:ecs/cluster:Cluster", "mig-migrations-cluster")
	require.NotNil(t, cluster)
	assert.Equal(t, []string{task.Outputs["arnWithoutRevision"].(string) + ":*"}, bySid["RunTheMigrations"].Resource)
	assert.Equal(t, map[string]map[string]string{"ArnEquals": {"ecs:cluster": cluster.Outputs["arn"].(string)}}, bySid["RunTheMigrations"].Condition)
	assert.Equal(t, []string{"arn:aws:ecs:us-east-1:" + mock.Account + ":task/" + cluster.Outputs["name"].(string) + "/*"}, bySid["WatchAndStopThem"].Resource)
}

func TestAWSCronLeavesTheOtherDayFieldOpenAndCountsDaysFromSunday(t *testing.T) {
	t.Parallel()
	for cron, want := range map[string]string{
		"0 3 * * *":     "cron(0 3 * * ? *)",
		"*/15 * * * *":  "cron(*/15 * * * ? *)",
		"30 2 * * 1-5":  "cron(30 2 ? * 2-6 *)",
		"0 0 * * 0,6":   "cron(0 0 ? * 1,7 *)",
		"0 12 1,15 * *": "cron(0 12 1,15 * ? *)",
		"0 6 * 1-3 *":   "cron(0 6 * 1-3 ? *)",
	} {
		assert.Equal(t, want, awsc.AWSCron(cron), cron)
	}
}

// A schedule fires in every region and runs only next to the writer: each
// region's runner is told its own cluster and the global database; moving
// the writer changes none of it.
func TestSchedulesFireEverywhereAndRunNextToTheWriter(t *testing.T) {
	t.Parallel()
	cfg := With(Contract("aws", "active-passive", "us-east-1", "eu-west-1"), "schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup --days 30"})
	res := MustPlan(t, "sch", cfg)
	schedules := OfComponent(res.Recorder.OfType("aws:scheduler/schedule:Schedule"), "mobile-backend:aws:Schedules")
	require.Len(t, schedules, 2, "one per region")
	global := res.Recorder.OfType("aws:rds/globalCluster:GlobalCluster")
	require.Len(t, global, 1)
	for _, sc := range schedules {
		assert.Equal(t, "cron(0 3 * * ? *)", sc.Str("scheduleExpression"))
		assert.Equal(t, "UTC", sc.Str("scheduleExpressionTimezone"))
		fn := res.Recorder.Named("aws:lambda/function:Function", "sch-"+sc.Region+"-schedules-run")
		require.NotNil(t, fn, sc.Region)
		assert.Equal(t, fn.Outputs["arn"], sc.Get("target.arn"))
		assert.Equal(t, "index.scheduled", fn.Str("handler"))
		var cluster *mock.Resource
		for _, c := range res.Recorder.OfType("aws:rds/cluster:Cluster") {
			if c.Region == sc.Region {
				cluster = c
			}
		}
		require.NotNil(t, cluster)
		assert.Equal(t, cluster.Outputs["arn"], fn.Get("environment.variables.CLUSTER_ARN"), "its own region's member")
		assert.Equal(t, global[0].ID, fn.Get("environment.variables.GLOBAL_CLUSTER"))
		task := res.Recorder.Named("aws:ecs/taskDefinition:TaskDefinition", "sch-"+sc.Region+"-schedules-cleanup-task")
		require.NotNil(t, task)
		assert.Contains(t, task.Str("containerDefinitions"), `"command":["/app/cleanup","--days","30"]`)
		var input map[string]string
		require.NoError(t, json.Unmarshal([]byte(sc.Str("target.input")), &input))
		assert.Equal(t, map[string]string{"SCHEDULE": "cleanup", "TASK_DEFINITION": task.Outputs["arn"].(string)}, input)
		heardAndAlerted(t, res, sc, fn)
	}
	moved := MustPlan(t, "sch", With(cfg, "writerRegion", "eu-west-1"))
	for _, sc := range schedules {
		after := moved.Recorder.ByURN(sc.URN)
		require.NotNil(t, after)
		assert.Equal(t, sc.Inputs, after.Inputs, "a failover moves nothing: the runner asks where the writer is")
	}
}

// heardAndAlerted: a schedule's task that ends comes back to its runner
// (an EventBridge rule on its region's cluster, the runner's prefix, the
// STOPPED state), which may publish to the region's on-call topic under
// its key; a failed runner or a dropped call raises an alarm there.
func heardAndAlerted(t *testing.T, res *plan.Result, sc, fn *mock.Resource) {
	t.Helper()
	prefix := "sch-" + sc.Region + "-schedules"
	topic := res.Recorder.Named("aws:sns/topic:Topic", "sch-monitoring-"+sc.Region+"-alerts")
	var ecsCluster *mock.Resource
	for _, c := range res.Recorder.OfType("aws:ecs/cluster:Cluster") {
		if c.Region == sc.Region && c.Outputs["name"] == fn.Get("environment.variables.ECS_CLUSTER") {
			ecsCluster = c
		}
	}
	require.NotNil(t, topic, sc.Region)
	require.NotNil(t, ecsCluster, sc.Region)
	assert.Equal(t, topic.Outputs["arn"], fn.Get("environment.variables.ALERT_TOPIC"))
	assert.Equal(t, "worker", fn.Get("environment.variables.CONTAINER"))

	rule := res.Recorder.Named("aws:cloudwatch/eventRule:EventRule", prefix+"-stopped")
	require.NotNil(t, rule)
	var pattern struct {
		Source     []string `json:"source"`
		DetailType []string `json:"detail-type"`
		Detail     struct {
			ClusterArn []string            `json:"clusterArn"`
			LastStatus []string            `json:"lastStatus"`
			StartedBy  []map[string]string `json:"startedBy"`
		} `json:"detail"`
	}
	require.NoError(t, json.Unmarshal([]byte(rule.Str("eventPattern")), &pattern))
	assert.Equal(t, []string{ecsCluster.Outputs["arn"].(string)}, pattern.Detail.ClusterArn, "its own region's cluster")
	assert.Equal(t, []string{"STOPPED"}, pattern.Detail.LastStatus)
	assert.Equal(t, []map[string]string{{"prefix": release.ScheduledBy}}, pattern.Detail.StartedBy)
	target := res.Recorder.Named("aws:cloudwatch/eventTarget:EventTarget", prefix+"-stopped-target")
	require.NotNil(t, target)
	assert.Equal(t, fn.Outputs["arn"], target.Get("arn"))
	allowed := res.Recorder.Named("aws:lambda/permission:Permission", prefix+"-stopped-invoke")
	require.NotNil(t, allowed)
	assert.Equal(t, "events.amazonaws.com", allowed.Str("principal"))
	assert.Equal(t, rule.Outputs["arn"], allowed.Get("sourceArn"), "that rule alone may invoke it")

	policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", prefix+"-run-policy")
	require.NotNil(t, policy)
	var doc awsc.PolicyDocument
	require.NoError(t, json.Unmarshal([]byte(policy.Str("policy")), &doc))
	statements := map[string]awsc.Statement{}
	for _, st := range doc.Statement {
		statements[st.Sid] = st
	}
	assert.Equal(t, []string{"sns:Publish"}, statements["AlertOnCall"].Action)
	assert.Equal(t, []string{topic.Outputs["arn"].(string)}, statements["AlertOnCall"].Resource)
	assert.Equal(t, []string{topic.Str("kmsMasterKeyId")}, statements["EncryptTheAlert"].Resource, "the topic's own key")
	assert.Equal(t, map[string]map[string]string{"StringEquals": {"kms:ViaService": "sns." + sc.Region + ".amazonaws.com"}}, statements["EncryptTheAlert"].Condition, "through SNS only")

	alarm := res.Recorder.Named("aws:cloudwatch/metricAlarm:MetricAlarm", prefix+"-failed")
	require.NotNil(t, alarm)
	assert.Equal(t, []any{topic.Outputs["arn"]}, alarm.Get("alarmActions"))
	queries := map[string]string{}
	for i := 0; i < alarm.Len("metricQueries"); i++ {
		q := fmt.Sprintf("metricQueries.%d.", i)
		if alarm.Get(q+"metric") != nil {
			queries[alarm.Str(q+"metric.metricName")] = fmt.Sprint(alarm.Get(q + "metric.dimensions"))
		}
	}
	group := res.Recorder.Named("aws:scheduler/scheduleGroup:ScheduleGroup", prefix+"-group")
	require.NotNil(t, group)
	assert.Equal(t, group.Outputs["name"], sc.Get("groupName"))
	assert.Equal(t, map[string]string{
		"Errors":                 fmt.Sprintf("map[FunctionName:%s]", fn.Outputs["name"]),
		"InvocationDroppedCount": fmt.Sprintf("map[ScheduleGroup:%s]", group.Outputs["name"]),
	}, queries)
}
