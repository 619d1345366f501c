package policies

// The region-loss analysis of scheduled-jobs: each schedule still runs,
// once, next to the writer after the loss.

import (
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Schedulers are, by cloud, the resource that fires a schedule in a region
// and the component whose runner runs it only beside the writer.
var Schedulers = map[spec.Cloud][2]string{
	spec.AWS:   {"aws:scheduler/schedule:Schedule", "mobile-backend:aws:Schedules"},
	spec.GCP:   {"gcp:cloudscheduler/job:Job", "mobile-backend:gcp:Schedules"},
	spec.Azure: {"azure-native:app/v20240301:Job", "mobile-backend:azure:Schedules"},
}

// scheduledJobs: a scheduler fires in the region that holds the writer
// after the loss (each region's runner asks where the writer is, so the
// jobs follow a promotion with no person), and runs there once the writer
// is: the writes' recovery time.
func (v lossView) scheduledJobs() FunctionLoss {
	if len(v.Spec.Schedules()) == 0 {
		return survived("no scheduled jobs (schedules)", 0, 0)
	}
	writer := v.Spec.WriterRegion
	if writer == v.lost {
		writer = v.Spec.Successor()
	}
	kind, ok := Schedulers[v.Spec.Cloud]
	if !ok {
		return broken("no scheduler on %s", v.Spec.Cloud)
	}
	for _, r := range v.OfType(kind[0]) {
		if v.inRegion(r) == writer && v.below(r, kind[1]) {
			writes := v.apiWrites()
			return survived("every region's scheduler fires; "+writer+"'s runs the jobs beside the writer", writes.RTOSeconds, 0)
		}
	}
	return broken("no schedule fires in %s, where the writer is after losing %s", writer, v.lost)
}

// inRegion is the region a scheduler fires in: its provider's (AWS) or
// its region input (Cloud Scheduler).
func (v lossView) inRegion(r *mock.Resource) string {
	if region := r.Str("region"); region != "" {
		return region
	}
	return r.Region
}

// below reports whether r is under a component of a type.
func (v lossView) below(r *mock.Resource, component string) bool {
	byURN := map[string]*mock.Resource{}
	for _, x := range v.Resources {
		byURN[x.URN] = x
	}
	for p := byURN[r.Parent]; p != nil; p = byURN[p.Parent] {
		if p.Type == component {
			return true
		}
	}
	return false
}
