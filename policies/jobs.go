package policies

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
)

// ScheduledJobsAlert: work that runs on a schedule runs with nobody
// watching, so its failures must reach someone. Checked from the
// schedulers: what each one calls, and what that starts, has an alert on
// its failed runs. Values a first preview does not know yet are skipped.
var ScheduledJobsAlert = Policy{
	Name: "scheduled-jobs-alert",
	Description: "Every scheduled run alerts when it fails: each EventBridge Scheduler target has an alarm on its failures (Errors, ExecutionsFailed) and the ECS tasks a schedule starts are heard when they stop; " +
		"each Cloud Run job a Cloud Scheduler job runs, and the job it starts, is named by an alert policy; each scheduled Container Apps job, and the job it starts, has a metric alert or a log alert naming it.",
	Severity: Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		vs = append(vs, awsScheduledAlerts(s)...)
		vs = append(vs, gcpScheduledAlerts(s)...)
		return append(vs, azureScheduledAlerts(s)...)
	},
}

func known(v string) bool { return v != "" && !mock.Unresolved(v) }

// awsScheduledAlerts: each schedule's target has an alarm on its failures,
// and a schedule that starts ECS tasks has a rule sending their end back.
func awsScheduledAlerts(s Stack) []Violation {
	// What alarms watch: "Errors FunctionName=x", "ExecutionsFailed StateMachineArn=y".
	watched := map[string]bool{}
	watch := func(metric string, dims any) {
		if d, ok := dims.(map[string]any); ok {
			for k, v := range d {
				watched[fmt.Sprintf("%s %s=%v", metric, k, v)] = true
			}
		}
	}
	for _, a := range s.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		watch(a.Str("metricName"), a.Get("dimensions"))
		for i := 0; i < a.Len("metricQueries"); i++ {
			q := fmt.Sprintf("metricQueries.%d.metric.", i)
			watch(a.Str(q+"metricName"), a.Get(q+"dimensions"))
		}
	}
	functions := map[string]string{} // ARN -> name
	for _, f := range s.OfType("aws:lambda/function:Function") {
		if arn, _ := f.Outputs["arn"].(string); known(arn) {
			functions[arn] = f.Str("name")
		}
	}
	hears := map[string]bool{}   // functions an ECS task state rule invokes
	rules := map[string]string{} // by name, and by reference in a first preview
	for _, r := range s.OfType("aws:cloudwatch/eventRule:EventRule") {
		rules[r.Str("name")], rules[mock.RefPrefix+r.URN] = r.Str("eventPattern"), r.Str("eventPattern")
	}
	for _, t := range s.OfType("aws:cloudwatch/eventTarget:EventTarget") {
		var p struct {
			DetailType []string `json:"detail-type"`
			Detail     struct {
				LastStatus []string `json:"lastStatus"`
			} `json:"detail"`
		}
		if json.Unmarshal([]byte(rules[t.Str("rule")]), &p) == nil && len(p.DetailType) == 1 && p.DetailType[0] == "ECS Task State Change" &&
			len(p.Detail.LastStatus) == 1 && p.Detail.LastStatus[0] == "STOPPED" {
			hears[t.Str("arn")] = true
		}
	}
	var vs []Violation
	for _, sc := range s.OfType("aws:scheduler/schedule:Schedule") {
		target := sc.Str("target.arn")
		if !known(target) {
			continue
		}
		switch name, isFunction := functions[target]; {
		case isFunction && !watched["Errors FunctionName="+name]:
			vs = append(vs, violation(sc, "schedule %s calls function %s, whose failures (Errors) no alarm watches", sc.Str("name"), name))
		case strings.Contains(target, ":states:") && !watched["ExecutionsFailed StateMachineArn="+target]:
			vs = append(vs, violation(sc, "schedule %s starts state machine %s, whose failed executions no alarm watches", sc.Str("name"), target))
		case !isFunction && !strings.Contains(target, ":states:"):
			vs = append(vs, violation(sc, "schedule %s calls %s, whose failures this policy cannot see alarmed", sc.Str("name"), target))
		}
		if strings.Contains(sc.Str("target.input"), "TASK_DEFINITION") && !hears[target] {
			vs = append(vs, violation(sc, "schedule %s starts ECS tasks, but no EventBridge rule sends their end (ECS Task State Change, STOPPED) back to %s: a task that fails alerts no one", sc.Str("name"), target))
		}
	}
	return vs
}

var runsCloudRunJob = regexp.MustCompile(`/jobs/([^/:]+):run$`)

// gcpScheduledAlerts: each Cloud Run job a Cloud Scheduler job runs, and
// the job that one starts, is named by an alert policy.
func gcpScheduledAlerts(s Stack) []Violation {
	var named []string
	for _, p := range s.OfType("gcp:monitoring/alertPolicy:AlertPolicy") {
		b, _ := json.Marshal(p.Get("conditions"))
		named = append(named, string(b))
	}
	alerted := func(job string) bool {
		for _, n := range named {
			if strings.Contains(n, `job_name=\"`+job+`\"`) {
				return true
			}
		}
		return false
	}
	jobs := map[string]*mock.Resource{}
	for _, j := range s.OfType("gcp:cloudrunv2/job:Job") {
		jobs[j.Str("name")] = j
	}
	var vs []Violation
	for _, sc := range s.OfType("gcp:cloudscheduler/job:Job") {
		m := runsCloudRunJob.FindStringSubmatch(sc.Str("httpTarget.uri"))
		if m == nil || !known(m[1]) {
			continue
		}
		names := []string{m[1]}
		if j := jobs[m[1]]; j != nil {
			if started := gcpJobEnv(j, "JOB"); known(started) {
				names = append(names, started)
			}
		}
		for _, n := range names {
			if !alerted(n) {
				vs = append(vs, violation(sc, "Cloud Run job %s runs on schedule %s, and no alert policy names it: its failed runs alert no one", n, sc.Str("name")))
			}
		}
	}
	return vs
}

// azureScheduledAlerts: each scheduled Container Apps job, and each job
// one starts (JOB_ID), has a metric alert on it or a log alert naming it.
func azureScheduledAlerts(s Stack) []Violation {
	jobs := s.OfType("azure-native:app/v20240301:Job")
	scheduled := func(j *mock.Resource) bool { return j.Str("configuration.triggerType") == "Schedule" }
	metric := map[string]bool{} // job ids, lower-cased (ARM ids are case-insensitive)
	for _, a := range s.OfType("azure-native:insights:MetricAlert") {
		for i := 0; i < a.Len("criteria.allOf"); i++ {
			c := fmt.Sprintf("criteria.allOf.%d.", i)
			if a.Str(c+"metricNamespace") == "Microsoft.App/jobs" && a.Str(c+"metricName") == "Executions" && strings.Contains(fmt.Sprint(a.Get(c+"dimensions")), "Failed") {
				for _, id := range a.Strs("scopes", "") {
					metric[strings.ToLower(id)] = true
				}
			}
		}
	}
	var queries []string
	for _, q := range s.OfType("azure-native:insights:ScheduledQueryRule") {
		queries = append(queries, fmt.Sprint(q.Get("criteria")))
	}
	alerted := func(j *mock.Resource) bool {
		if metric[strings.ToLower(j.ID)] {
			return true
		}
		for _, q := range queries {
			if strings.Contains(q, "'"+j.Str("jobName")+"'") {
				return true
			}
		}
		return false
	}
	started := map[string]bool{}
	for _, j := range jobs {
		if scheduled(j) {
			if id := envValue(j, "template.containers.0.env", "JOB_ID"); known(id) {
				started[id] = true
			}
		}
	}
	var vs []Violation
	for _, j := range jobs {
		if (scheduled(j) || started[j.ID]) && known(j.ID) && !alerted(j) {
			vs = append(vs, violation(j, "Container Apps job %s runs on a schedule and no alert watches its executions: its failed runs alert no one", j.Str("jobName")))
		}
	}
	return vs
}
