package gcp_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/release"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
)

// With Cloud SQL a schedule fires in every region; each region's runner
// asks its own instance whether it is the primary and runs the job only
// there. Moving the writer changes none of it.
func TestGoogleCloudSchedulesFireEverywhereAndRunBesideThePrimary(t *testing.T) {
	t.Parallel()
	cfg := With(Contract("gcp", "active-passive", "europe-west1", "europe-north1"), "schedules", map[string]string{"cleanup": "0 3 * * * /app/cleanup --days 30"},
		"alertEmails", []string{"oncall@example.com"})
	res := MustPlan(t, "sch", cfg)
	schedulers := OfComponent(res.Recorder.OfType("gcp:cloudscheduler/job:Job"), "mobile-backend:gcp:Schedules")
	require.Len(t, schedulers, 2, "one per region")
	instances := map[string]*mock.Resource{}
	for _, i := range res.Recorder.OfType(TypeSQL) {
		instances[i.Region] = i
	}
	for _, sc := range schedulers {
		region := sc.Str("region")
		assert.Equal(t, "0 3 * * *", sc.Str("schedule"))
		assert.Equal(t, "Etc/UTC", sc.Str("timeZone"))
		runner := res.Recorder.Named("gcp:cloudrunv2/job:Job", "sch-"+region+"-schedules-cleanup-run")
		require.NotNil(t, runner, region)
		assert.True(t, strings.HasSuffix(sc.Str("httpTarget.uri"), "/jobs/"+runner.Outputs["name"].(string)+":run"), "the scheduler starts the runner")
		env := ContainerEnv(runner, "template.template.containers.0.envs")
		assert.Equal(t, "gcp-schedule", env["CLOUD"])
		assert.Equal(t, instances[region].Outputs["name"], env["INSTANCE"], "its own region's instance")
		assert.Equal(t, []any{"-c", release.Gate}, runner.Get("template.template.containers.0.args"))
		job := res.Recorder.Named("gcp:cloudrunv2/job:Job", "sch-"+region+"-schedules-cleanup")
		require.NotNil(t, job)
		assert.Equal(t, job.Outputs["name"], env["JOB"])
		assert.Equal(t, []any{"/app/cleanup"}, job.Get("template.template.containers.0.commands"))
		// A failed run of the job or its runner pages the on-call channels.
		for name, j := range map[string]*mock.Resource{"sch-" + region + "-schedules-cleanup-failed": job, "sch-" + region + "-schedules-cleanup-run-failed": runner} {
			alert := res.Recorder.Named("gcp:monitoring/alertPolicy:AlertPolicy", name)
			require.NotNil(t, alert, name)
			assert.Contains(t, alert.Str("conditions.0.conditionThreshold.filter"), `resource.label.job_name="`+j.Outputs["name"].(string)+`" AND metric.label.result="failed"`)
			assert.NotZero(t, alert.Len("notificationChannels"), name)
		}
		api := res.Recorder.Named("gcp:cloudrunv2/service:Service", "sch-"+region+"-api")
		require.NotNil(t, api)
		assert.Equal(t, api.Str("template.serviceAccount"), job.Str("template.template.serviceAccount"), "the app's identity")
	}
	moved := MustPlan(t, "sch", With(cfg, "writerRegion", "europe-north1"))
	for _, sc := range schedulers {
		assert.Equal(t, sc.Inputs, moved.Recorder.ByURN(sc.URN).Inputs, "a promotion moves nothing: the runner asks")
	}
}
