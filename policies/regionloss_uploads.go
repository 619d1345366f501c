package policies

// The region-loss analysis of uploads: the apps keep storing and reading uploads.

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// uploads: every app that serves after the loss writes to a store that
// outlives it.
func (v lossView) uploads() FunctionLoss {
	rpo := 0
	for _, t := range v.budget.RPO.Terms {
		if strings.Contains(t.Name, "S3") || strings.Contains(t.Name, "Storage") || strings.Contains(t.Name, "storage") {
			rpo = max(rpo, t.Seconds)
		}
	}
	var via []string
	switch v.Spec.Cloud {
	case spec.AWS:
		buckets := map[string]*mock.Resource{}
		for _, b := range v.OfType("aws:s3/bucketV2:BucketV2") {
			buckets[b.Str("bucket")] = b
		}
		for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
			if !v.servesAfter(td.Region) {
				continue
			}
			b := buckets[taskEnv(td)["UPLOADS_BUCKET"]]
			if b == nil || !v.alive(b) {
				return broken("the app in %s writes uploads to %q, lost with %s", td.Region, taskEnv(td)["UPLOADS_BUCKET"], v.lost)
			}
			via = append(via, td.Region+" → "+b.Str("bucket"))
		}
	case spec.GCP:
		for _, svc := range v.OfType("gcp:cloudrunv2/service:Service") {
			if !v.servesAfter(v.where(svc)) {
				continue
			}
			name := envValue(svc, "template.containers.0.envs", "UPLOADS_BUCKET")
			b := v.gcsBucket(name)
			if b == nil || !v.alive(b) {
				return broken("the app in %s writes uploads to %q, lost with %s", v.where(svc), name, v.lost)
			}
			via = append(via, v.where(svc)+" → "+b.Str("location"))
		}
	default:
		for _, app := range v.OfType("azure-native:app/v20240301:ContainerApp") {
			r := v.where(app)
			if !v.servesAfter(r) {
				continue
			}
			var account *mock.Resource
			for _, a := range v.OfType("azure-native:storage:StorageAccount") {
				if a.Str("accountName") == envValue(app, "template.containers.0.env", "UPLOADS_ACCOUNT") {
					account = a
				}
			}
			if account == nil || !v.alive(account) {
				return broken("the app in %s has no writable storage account outside %s", r, v.lost)
			}
			via = append(via, r+" → "+account.Str("accountName"))
		}
	}
	if len(via) == 0 {
		return broken("no app serves uploads once %s is lost", v.lost)
	}
	return survived(strings.Join(via, ", "), v.rto(v.servingBefore()), rpo)
}

// envValue is the value of a name in a container's environment list
// (Cloud Run: template.containers.0.envs; Container Apps: ...env).
func envValue(r *mock.Resource, list, name string) string {
	for i := 0; i < r.Len(list); i++ {
		if r.Str(fmt.Sprintf("%s.%d.name", list, i)) == name {
			return r.Str(fmt.Sprintf("%s.%d.value", list, i))
		}
	}
	return ""
}

// gcsBucket is the first bucket the references name (names, ids, or in a
// preview URNs), or nil.
func (v lossView) gcsBucket(refs ...string) *mock.Resource {
	if bs := v.gcsBuckets()(refs); len(bs) > 0 {
		return bs[0]
	}
	return nil
}
