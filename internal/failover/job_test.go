package failover

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:embed testdata/job_runner.py
var jobRunner []byte

// jobWorld is a fake cloud for one row: Azure Resource Manager (a SQL
// failover group, a resource group's tags, Azure Monitor metrics of Front
// Door, the Container Apps identity endpoint) or Google APIs (Cloud
// Monitoring time series of uptime checks, Cloud SQL Admin, Cloud DNS,
// Compute Engine URL maps, Cloud Storage, the metadata server), shaped
// like their REST references, plus the two regions' health URLs and
// databases.
type jobWorld struct {
	t       *testing.T
	cloud   string
	row     Scenario
	minutes []Minute
	now     int
	// Azure
	role string
	tags map[string]string
	// originState is the old writer's Front Door origin's enabledState.
	originState string
	// retention is this server's database's point-in-time recovery window.
	retention int
	// Google Cloud
	instanceType, urlMap, fingerprint, record string
	opDone                                    bool
	// backups is the instance's backup configuration as the job set it
	// (nil: a replica's, none); settingsVersion counts its settings' changes.
	backups         map[string]any
	settingsVersion int
	// oldPolicy is the old primary's activation policy; oldVersion its
	// settings version.
	oldPolicy  string
	oldVersion int
	// readers are the other regions' reader records' addresses.
	readers map[string]string
	// directory is the region directory in the uploads bucket.
	directory string
	// What the job did.
	promotions []int
	results    []jobResult
}

type jobResult struct {
	ID     string
	Code   any
	Events []map[string]any
}

const (
	jobSub     = "00000000-0000-0000-0000-000000000001"
	jobGroup   = "prod-westeurope"
	jobServer  = "prod-sql-westeurope-1a2b"
	jobFOG     = "prod-fog-1a2b"
	jobFD      = "/subscriptions/" + jobSub + "/resourceGroups/prod-global/providers/Microsoft.Cdn/profiles/prod-fd"
	jobWriterH = "prod-ca-northeurope.azurecontainerapps.io"
	jobSuccH   = "prod-ca-westeurope.azurecontainerapps.io"
	jobProject = "prod-project"
	jobReplica = "prod-db-europe-north1"
	jobAddress = "10.20.0.5"
	jobWriterA = "10.10.0.5"
	jobRecord  = "writer.prod-db.internal."
	jobURLMap  = "https://www.googleapis.com/compute/v1/projects/prod-project/global/urlMaps/prod-lb"
	jobStandby = "https://www.googleapis.com/compute/v1/projects/prod-project/global/backendServices/prod-lb-europe-north1"
	jobPrimary = "https://www.googleapis.com/compute/v1/projects/prod-project/global/backendServices/prod-lb-europe-west1"
	jobOld     = "prod-db-europe-west1"
	// The reader records of the old primary's region and of a third
	// region, whose replica followed the old primary.
	jobReaderOld   = "reader-europe-west1.prod-db.internal."
	jobReaderThird = "reader-us-east1.prod-db.internal."
	jobDirectory   = "static/.well-known/mobile-backend.json"
	// The directories before and after the promotion (components.Directory's shape, shortened).
	jobDirectoryBefore = `{"schema":1,"regions":[{"name":"europe-west1","writer":true},{"name":"europe-north1","writer":false}]}`
	jobDirectoryAfter  = `{"schema":1,"regions":[{"name":"europe-north1","writer":true}]}`
	jobOrigin          = jobFD + "/originGroups/api/origins/prod-northeurope"
)

func newJobWorld(t *testing.T, cloud string, s Scenario) *jobWorld {
	w := &jobWorld{t: t, cloud: cloud, row: s, minutes: s.Run(), role: "Secondary", tags: map[string]string{},
		instanceType: "READ_REPLICA_INSTANCE", urlMap: jobPrimary, fingerprint: "f0", record: jobWriterA,
		originState: "Enabled", oldPolicy: "ALWAYS", oldVersion: 7, retention: 7,
		readers: map[string]string{jobReaderOld: jobWriterA, jobReaderThird: "10.30.0.5"}, directory: jobDirectoryBefore}
	switch s.Start {
	case "partial":
		w.role, w.instanceType = "Primary", "CLOUD_SQL_INSTANCE"
	case "promoted":
		w.role, w.instanceType, w.urlMap, w.record = "Primary", "CLOUD_SQL_INSTANCE", jobStandby, jobAddress
		w.tags["mobile-backend-failover-announced"] = "2026-12-06T11:00:00Z"
		w.backups = map[string]any{"enabled": true, "pointInTimeRecoveryEnabled": true}
		w.originState, w.oldPolicy = "Disabled", "NEVER" // a finished failover fenced the old writer
		w.retention = 14
		w.readers = map[string]string{jobReaderOld: jobAddress, jobReaderThird: jobAddress}
		w.directory = jobDirectoryAfter
	}
	w.settingsVersion = 3
	return w
}

func (w *jobWorld) minute() Minute { return w.minutes[w.now] }

// shares are the edge's healthy shares for the window ending at the
// current minute, oldest first (nil: no datapoint); err, when the API
// cannot answer.
func (w *jobWorld) shares(writer bool) (out []*float64, status int) {
	for j := w.now - JobWindowMinutes - 2; j <= w.now; j++ {
		var v *float64
		switch {
		case j < 0:
			if w.row.History != "never" {
				v = ptr(1.0)
			}
		case writer:
			switch w.minutes[j].EdgeSees() {
			case "up":
				v = ptr(1.0)
			case "unreadable":
				return nil, http.StatusInternalServerError
			case "throttled":
				return nil, http.StatusTooManyRequests
			default:
				v = ptr(0.0)
			}
		default:
			v = ptr(map[bool]float64{true: 1, false: 0}[w.minutes[j].Successor == "up"])
		}
		out = append(out, v)
	}
	return out, 0
}

// armed: the edge saw the writer healthy before the row or in it so far.
func (w *jobWorld) armed() bool {
	if w.row.History != "never" {
		return true
	}
	return slices.ContainsFunc(w.minutes[:w.now+1], func(m Minute) bool { return m.EdgeSees() == "up" })
}

func ptr(f float64) *float64 { return &f }

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func (w *jobWorld) probe(rw http.ResponseWriter, how string) {
	switch how {
	case "up":
		rw.WriteHeader(http.StatusOK)
	case "denied":
		rw.WriteHeader(http.StatusForbidden)
	case "redirect":
		rw.Header().Set("Location", "https://login.example.com/")
		rw.WriteHeader(http.StatusMovedPermanently)
	default:
		if w.now%2 == 0 {
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		// The connection dropped without an answer.
		if hj, ok := rw.(http.Hijacker); ok {
			c, _, _ := hj.Hijack()
			_ = c.Close()
		}
	}
}

func (w *jobWorld) serve(rw http.ResponseWriter, r *http.Request, path string) {
	m := w.minute()
	switch {
	case path == "/probe/writer":
		w.probe(rw, m.Writer)
	case path == "/probe/successor":
		w.probe(rw, m.Successor)
	case w.cloud == "azure":
		w.azure(rw, r, path)
	default:
		w.google(rw, r, path)
	}
}

// release is the window's end a deploy wrote: ahead while it is open, past
// once it closed.
func (w *jobWorld) release() string {
	if w.minute().Release {
		return time.Now().UTC().Add(90 * time.Second).Format(time.RFC3339)
	}
	return time.Now().UTC().Add(-10 * time.Minute).Format(time.RFC3339)
}

var filterOrigin = regexp.MustCompile(`Origin eq '([^']+)'`)

func (w *jobWorld) azure(rw http.ResponseWriter, r *http.Request, path string) {
	t := w.t
	fogServer := "/subscriptions/" + jobSub + "/resourceGroups/" + jobGroup + "/providers/Microsoft.Sql/servers/" + jobServer
	fog := fogServer + "/failoverGroups/" + jobFOG
	group := "/subscriptions/" + jobSub + "/resourceGroups/" + jobGroup
	q := r.URL.Query()
	if path != "/msi/token" && r.Header.Get("Authorization") != "Bearer arm-token" {
		writeJSON(rw, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidAuthenticationToken"}})
		return
	}
	switch {
	case path == "/msi/token":
		assert.Equal(t, "identity-header", r.Header.Get("X-IDENTITY-HEADER"))
		assert.Equal(t, "https://management.azure.com/", q.Get("resource"))
		assert.Equal(t, "2019-08-01", q.Get("api-version"))
		assert.Equal(t, "client-id", q.Get("client_id"), "the user-assigned identity's client id")
		writeJSON(rw, 200, map[string]any{"access_token": "arm-token", "expires_on": "1786000000", "resource": "https://management.azure.com/", "token_type": "Bearer", "client_id": "client-id"})
	case path == fog && r.Method == http.MethodGet:
		partner := map[string]string{"Primary": "Secondary", "Secondary": "Primary"}[w.role]
		writeJSON(rw, 200, map[string]any{"id": fog, "name": jobFOG, "type": "Microsoft.Sql/servers/failoverGroups", "location": "West Europe",
			"properties": map[string]any{
				"readWriteEndpoint": map[string]any{"failoverPolicy": "Manual"}, "readOnlyEndpoint": map[string]any{"failoverPolicy": "Enabled"},
				"replicationRole": w.role, "replicationState": "CATCH_UP",
				"partnerServers": []any{map[string]any{"id": "/subscriptions/" + jobSub + "/resourceGroups/prod-northeurope/providers/Microsoft.Sql/servers/prod-sql-northeurope-1a2b", "location": "North Europe", "replicationRole": partner}},
				"databases":      []any{"/subscriptions/" + jobSub + "/resourceGroups/prod-northeurope/providers/Microsoft.Sql/servers/prod-sql-northeurope-1a2b/databases/app"},
			}})
	case path == fog+"/forceFailoverAllowDataLoss" && r.Method == http.MethodPost:
		assert.Equal(t, "2021-11-01", q.Get("api-version"))
		if w.role == "Primary" {
			writeJSON(rw, 400, map[string]any{"error": map[string]any{"code": "FailoverGroupFailoverRequestOnPrimary", "message": "The failover request should be initiated on the secondary server."}})
			return
		}
		w.role = "Primary"
		w.promotions = append(w.promotions, w.now+1)
		rw.Header().Set("Location", "https://management.azure.com"+fog+"/operationResults/1?api-version=2021-11-01")
		rw.WriteHeader(http.StatusAccepted)
	case path == group && r.Method == http.MethodGet:
		tags := map[string]string{"app": "mobile-backend", "mobile-backend-release-until": w.release()}
		for k, v := range w.tags {
			tags[k] = v
		}
		writeJSON(rw, 200, map[string]any{"id": group, "name": jobGroup, "type": "Microsoft.Resources/resourceGroups", "location": "westeurope",
			"tags": tags, "properties": map[string]any{"provisioningState": "Succeeded"}})
	case path == group+"/providers/Microsoft.Resources/tags/default" && r.Method == http.MethodPatch:
		var body struct {
			Operation  string
			Properties struct{ Tags map[string]string }
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		assert.Equal(t, "Merge", body.Operation, "a merge keeps the stack's own tags")
		for k, v := range body.Properties.Tags {
			w.tags[k] = v
		}
		writeJSON(rw, 200, map[string]any{"id": group + "/providers/Microsoft.Resources/tags/default", "name": "default", "properties": map[string]any{"tags": w.tags}})
	case path == fogServer+"/databases/app/backupShortTermRetentionPolicies/default":
		assert.Equal(t, "2021-11-01", q.Get("api-version"))
		if r.Method == http.MethodPut {
			var body struct {
				Properties map[string]any `json:"properties"`
			}
			require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
			assert.Equal(t, map[string]any{"retentionDays": float64(14), "diffBackupIntervalInHours": float64(12)}, body.Properties)
			assert.Equal(t, "Primary", w.role, "the window is set on the promoted database")
			w.retention = 14
		}
		writeJSON(rw, 200, map[string]any{"id": fogServer + "/databases/app/backupShortTermRetentionPolicies/default", "name": "default",
			"properties": map[string]any{"retentionDays": w.retention, "diffBackupIntervalInHours": 12}})
	case path == jobOrigin && r.Method == http.MethodGet:
		assert.Equal(t, "2023-05-01", q.Get("api-version"))
		writeJSON(rw, 200, map[string]any{"id": jobOrigin, "name": "prod-northeurope", "type": "Microsoft.Cdn/profiles/origingroups/origins",
			"properties": map[string]any{"hostName": jobWriterH, "enabledState": w.originState, "provisioningState": "Succeeded", "deploymentStatus": "NotStarted"}})
	case path == jobOrigin && r.Method == http.MethodPatch:
		var body struct {
			Properties map[string]any `json:"properties"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		assert.Equal(t, map[string]any{"enabledState": "Disabled"}, body.Properties, "only the origin's state changes")
		assert.Equal(t, "Primary", w.role, "the old writer is fenced only once this region writes")
		w.originState = "Disabled"
		writeJSON(rw, 202, map[string]any{"id": jobOrigin, "properties": map[string]any{"enabledState": "Disabled", "provisioningState": "Updating"}})
	case path == jobFD+"/providers/Microsoft.Insights/metrics":
		assert.Equal(t, "OriginHealthPercentage", q.Get("metricnames"))
		origin := filterOrigin.FindStringSubmatch(q.Get("$filter"))
		require.Len(t, origin, 2, q.Get("$filter"))
		assert.Contains(t, q.Get("$filter"), "OriginGroup eq 'api'")
		var data []any
		if q.Get("interval") == "P1D" { // has the edge ever seen it healthy
			peak := 0.0
			if w.armed() {
				peak = 100
			}
			data = append(data, map[string]any{"timeStamp": "2026-11-20T00:00:00Z", "maximum": peak})
		} else {
			shares, status := w.shares(origin[1] == jobWriterH)
			if status != 0 {
				writeJSON(rw, status, map[string]any{"error": map[string]any{"code": "ServiceUnavailable"}})
				return
			}
			for i, v := range shares {
				p := map[string]any{"timeStamp": time.Now().UTC().Add(time.Duration(i-len(shares)) * time.Minute).Format(time.RFC3339)}
				if v != nil {
					p["average"] = *v * 100
				}
				data = append(data, p)
			}
		}
		writeJSON(rw, 200, map[string]any{"cost": 0, "timespan": q.Get("timespan"), "interval": q.Get("interval"), "namespace": "Microsoft.Cdn/profiles", "resourceregion": "global",
			"value": []any{map[string]any{"id": jobFD + "/providers/Microsoft.Insights/metrics/OriginHealthPercentage", "type": "Microsoft.Insights/metrics",
				"name": map[string]any{"value": "OriginHealthPercentage", "localizedValue": "Origin Health Percentage"}, "unit": "Percent", "errorCode": "Success",
				"timeseries": []any{map[string]any{"metadatavalues": []any{
					map[string]any{"name": map[string]any{"value": "origin", "localizedValue": "origin"}, "value": origin[1]},
					map[string]any{"name": map[string]any{"value": "origingroup", "localizedValue": "origingroup"}, "value": "api"},
				}, "data": data}}}}})
	default:
		t.Errorf("unexpected %s %s", r.Method, path)
		writeJSON(rw, 404, map[string]any{"error": map[string]any{"code": "NotFound"}})
	}
}

var checkID = regexp.MustCompile(`check_id="([^"]+)"`)

func (w *jobWorld) google(rw http.ResponseWriter, r *http.Request, path string) {
	t := w.t
	q := r.URL.Query()
	if path != "/md/computeMetadata/v1/instance/service-accounts/default/token" && r.Header.Get("Authorization") != "Bearer ya29.token" {
		writeJSON(rw, 401, map[string]any{"error": map[string]any{"code": 401, "status": "UNAUTHENTICATED"}})
		return
	}
	instance := "/g/sqladmin/v1/projects/" + jobProject + "/instances/" + jobReplica
	rrsets := "/g/dns/dns/v1/projects/" + jobProject + "/managedZones/prod-db/rrsets/"
	urlMap := "/g/compute/compute/v1/projects/" + jobProject + "/global/urlMaps/prod-lb"
	switch {
	case path == "/md/computeMetadata/v1/instance/service-accounts/default/token":
		assert.Equal(t, "Google", r.Header.Get("Metadata-Flavor"))
		writeJSON(rw, 200, map[string]any{"access_token": "ya29.token", "expires_in": 3599, "token_type": "Bearer"})
	case path == "/g/monitoring/v3/projects/"+jobProject+"/timeSeries":
		id := checkID.FindStringSubmatch(q.Get("filter"))
		require.Len(t, id, 2, q.Get("filter"))
		assert.Contains(t, q.Get("filter"), `metric.type="monitoring.googleapis.com/uptime_check/check_passed"`)
		series := map[string]any{"metric": map[string]any{"type": "monitoring.googleapis.com/uptime_check/check_passed", "labels": map[string]any{"check_id": id[1]}},
			"resource": map[string]any{"type": "uptime_url", "labels": map[string]any{"project_id": jobProject, "host": id[1] + ".example.com"}}, "metricKind": "GAUGE"}
		var points []any
		if q.Get("aggregation.perSeriesAligner") == "ALIGN_COUNT_TRUE" {
			series["valueType"] = "INT64"
			n := "0"
			if w.armed() {
				n = "4321"
			}
			// int64 values are JSON strings (proto3 JSON mapping).
			points = append(points, map[string]any{"interval": map[string]any{"startTime": "2026-10-25T00:00:00Z", "endTime": "2026-12-06T00:00:00Z"}, "value": map[string]any{"int64Value": n}})
		} else {
			series["valueType"] = "DOUBLE"
			shares, status := w.shares(id[1] == "writer-check")
			if status != 0 {
				writeJSON(rw, status, map[string]any{"error": map[string]any{"code": status, "status": "UNAVAILABLE"}})
				return
			}
			for i := len(shares) - 1; i >= 0; i-- { // newest first
				if shares[i] == nil {
					continue
				}
				end := time.Now().UTC().Add(time.Duration(i-len(shares)) * time.Minute)
				points = append(points, map[string]any{"interval": map[string]any{"startTime": end.Add(-time.Minute).Format(time.RFC3339), "endTime": end.Format(time.RFC3339)},
					"value": map[string]any{"doubleValue": *shares[i]}})
			}
		}
		if len(points) == 0 {
			writeJSON(rw, 200, map[string]any{"unit": "10^2.%"})
			return
		}
		series["points"] = points
		writeJSON(rw, 200, map[string]any{"timeSeries": []any{series}, "unit": "10^2.%"})
	case path == "/g/sqladmin/v1/projects/"+jobProject+"/instances/"+jobOld && r.Method == http.MethodGet:
		writeJSON(rw, 200, map[string]any{"kind": "sql#instance", "name": jobOld, "project": jobProject, "region": "europe-west1", "instanceType": "CLOUD_SQL_INSTANCE",
			"settings": map[string]any{"settingsVersion": fmt.Sprint(w.oldVersion), "activationPolicy": w.oldPolicy, "tier": "db-custom-2-7680"}})
	case path == "/g/sqladmin/v1/projects/"+jobProject+"/instances/"+jobOld && r.Method == http.MethodPatch:
		var body struct {
			Settings map[string]any `json:"settings"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		assert.Equal(t, map[string]any{"settingsVersion": fmt.Sprint(w.oldVersion), "activationPolicy": "NEVER"}, body.Settings, "a stop at the version read, nothing else")
		assert.Equal(t, "CLOUD_SQL_INSTANCE", w.instanceType, "the old primary is stopped only once the replica is promoted")
		w.oldPolicy, w.oldVersion = "NEVER", w.oldVersion+1
		writeJSON(rw, 200, map[string]any{"kind": "sql#operation", "name": "op-settings", "status": "PENDING", "operationType": "UPDATE", "targetId": jobOld})
	case path == instance && r.Method == http.MethodGet:
		// A replica's settings carry a backup configuration that is off
		// (Cloud SQL takes no backups of replicas).
		backups := map[string]any{"enabled": false, "kind": "sql#backupConfiguration"}
		if w.backups != nil {
			backups = w.backups
		}
		body := map[string]any{"kind": "sql#instance", "name": jobReplica, "project": jobProject, "region": "europe-north1", "state": "RUNNABLE",
			"databaseVersion": "POSTGRES_16", "instanceType": w.instanceType, "ipAddresses": []any{map[string]any{"type": "PRIVATE", "ipAddress": jobAddress}},
			"settings": map[string]any{"settingsVersion": fmt.Sprint(w.settingsVersion), "tier": "db-custom-2-7680", "backupConfiguration": backups}}
		if w.instanceType == "READ_REPLICA_INSTANCE" {
			body["masterInstanceName"] = jobProject + ":prod-db-europe-west1"
		}
		writeJSON(rw, 200, body)
	case path == instance && r.Method == http.MethodPatch:
		var body struct {
			Settings struct {
				SettingsVersion     string         `json:"settingsVersion"`
				BackupConfiguration map[string]any `json:"backupConfiguration"`
			} `json:"settings"`
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		if w.instanceType != "CLOUD_SQL_INSTANCE" {
			writeJSON(rw, 400, map[string]any{"error": map[string]any{"code": 400, "message": "Backups cannot be enabled on a read replica."}})
			return
		}
		if body.Settings.SettingsVersion != fmt.Sprint(w.settingsVersion) {
			writeJSON(rw, 412, map[string]any{"error": map[string]any{"code": 412, "message": "settings version mismatch"}})
			return
		}
		w.backups, w.settingsVersion = body.Settings.BackupConfiguration, w.settingsVersion+1
		writeJSON(rw, 200, map[string]any{"kind": "sql#operation", "name": "op-settings", "status": "PENDING", "operationType": "UPDATE", "targetId": jobReplica})
	case path == "/g/sqladmin/v1/projects/"+jobProject+"/operations/op-settings":
		writeJSON(rw, 200, map[string]any{"kind": "sql#operation", "name": "op-settings", "status": "DONE", "operationType": "UPDATE", "targetId": jobReplica})
	case path == instance+"/promoteReplica" && r.Method == http.MethodPost:
		if w.instanceType != "READ_REPLICA_INSTANCE" {
			writeJSON(rw, 400, map[string]any{"error": map[string]any{"code": 400, "message": "The instance or operation is not in an appropriate state to handle the request.", "errors": []any{map[string]any{"reason": "invalidState"}}}})
			return
		}
		w.promotions = append(w.promotions, w.now+1)
		w.opDone = false
		writeJSON(rw, 200, map[string]any{"kind": "sql#operation", "name": "op-promote", "status": "PENDING", "operationType": "PROMOTE_REPLICA", "targetId": jobReplica, "targetProject": jobProject})
	case path == "/g/sqladmin/v1/projects/"+jobProject+"/operations/op-promote":
		// Done at the second look; the instance is a primary from then on.
		status := "RUNNING"
		if w.opDone {
			status, w.instanceType = "DONE", "CLOUD_SQL_INSTANCE"
		}
		w.opDone = true
		writeJSON(rw, 200, map[string]any{"kind": "sql#operation", "name": "op-promote", "status": status, "operationType": "PROMOTE_REPLICA", "targetId": jobReplica})
	case strings.HasPrefix(path, rrsets) && strings.HasSuffix(path, "/A"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, rrsets), "/A")
		address, known := w.readers[name]
		if name == jobRecord {
			address, known = w.record, true
		}
		if !known {
			writeJSON(rw, 404, map[string]any{"error": map[string]any{"code": 404, "message": "The 'parameters.name' resource named '" + name + "' does not exist."}})
			return
		}
		if r.Method == http.MethodGet {
			writeJSON(rw, 200, map[string]any{"kind": "dns#resourceRecordSet", "name": name, "type": "A", "ttl": 30, "rrdatas": []string{address}})
			return
		}
		var body struct {
			Name, Type string
			TTL        int
			Rrdatas    []string
		}
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		assert.Equal(t, name, body.Name)
		assert.Equal(t, "A", body.Type)
		require.Len(t, body.Rrdatas, 1)
		assert.Equal(t, "CLOUD_SQL_INSTANCE", w.instanceType, "records move once the replica writes")
		if name == jobRecord {
			w.record = body.Rrdatas[0]
		} else {
			w.readers[name] = body.Rrdatas[0]
		}
		writeJSON(rw, 200, map[string]any{"kind": "dns#resourceRecordSet", "name": name, "type": "A", "ttl": body.TTL, "rrdatas": body.Rrdatas})
	case path == urlMap && r.Method == http.MethodGet:
		writeJSON(rw, 200, map[string]any{"kind": "compute#urlMap", "name": "prod-lb", "selfLink": jobURLMap, "defaultService": w.urlMap, "fingerprint": w.fingerprint})
	case path == urlMap && r.Method == http.MethodPatch:
		var body struct{ DefaultService, Fingerprint string }
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		if body.Fingerprint != w.fingerprint {
			writeJSON(rw, 412, map[string]any{"error": map[string]any{"code": 412, "message": "Precondition Failed", "errors": []any{map[string]any{"reason": "conditionNotMet"}}}})
			return
		}
		w.urlMap, w.fingerprint = body.DefaultService, w.fingerprint+"'"
		writeJSON(rw, 200, map[string]any{"kind": "compute#operation", "name": "operation-1", "operationType": "patch", "status": "DONE", "targetLink": jobURLMap})
	case path == "/g/storage/storage/v1/b/prod-uploads/o/"+jobDirectory && r.Method == http.MethodGet:
		assert.Equal(t, "media", q.Get("alt"))
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(w.directory))
	case path == "/g/storage/upload/storage/v1/b/prod-uploads/o" && r.Method == http.MethodPost:
		// JSON API multipart upload: metadata, then media (Cloud Storage
		// JSON API, "Perform a multipart upload").
		assert.Equal(t, "multipart", q.Get("uploadType"))
		media, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		require.NoError(t, err)
		assert.Equal(t, "multipart/related", media)
		mr := multipart.NewReader(r.Body, params["boundary"])
		metaPart, err := mr.NextPart()
		require.NoError(t, err)
		var meta map[string]string
		require.NoError(t, json.NewDecoder(metaPart).Decode(&meta))
		assert.Equal(t, map[string]string{"name": jobDirectory, "contentType": "application/json", "cacheControl": "public, max-age=60"}, meta)
		dataPart, err := mr.NextPart()
		require.NoError(t, err)
		content, err := io.ReadAll(dataPart)
		require.NoError(t, err)
		assert.Equal(t, "CLOUD_SQL_INSTANCE", w.instanceType, "the directory names the new writer once it writes")
		w.directory = string(content)
		writeJSON(rw, 200, map[string]any{"kind": "storage#object", "name": jobDirectory, "bucket": "prod-uploads", "contentType": "application/json", "cacheControl": meta["cacheControl"]})
	case path == "/g/storage/storage/v1/b/prod-uploads/o/_mobile-backend/release-window.json":
		assert.Equal(t, "media", q.Get("alt"))
		writeJSON(rw, 200, map[string]any{"until": w.release()})
	default:
		t.Errorf("unexpected %s %s", r.Method, path)
		writeJSON(rw, 404, map[string]any{"error": map[string]any{"code": 404}})
	}
}

// dbFake is a database's port: it answers the job's data-path probe while
// answers says so, and drops the connection otherwise.
func dbFake(t *testing.T, reply []byte, answers func() bool) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 64)
				if _, err := io.ReadAtLeast(c, buf, 8); err != nil || !answers() {
					return
				}
				_, _ = c.Write(reply)
			}()
		}
	}()
	return l.Addr().String()
}

// A TDS tabular result (type 0x04) carrying a PRELOGIN answer, and
// PostgreSQL's one-byte answer to an SSLRequest.
var (
	tdsReply = []byte{0x04, 0x01, 0x00, 0x25, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x06, 0x01, 0x00, 0x16, 0x00, 0x01, 0xff, 0x0c, 0x00, 0x07, 0xd0, 0x00, 0x00, 0x00}
	pgReply  = []byte("S")
)

// runJobTable runs every row against its own fake cloud, one run a minute,
// all in one python3 process.
func runJobTable(t *testing.T, cloud string, rows []Scenario) map[string]*jobWorld {
	t.Helper()
	worlds := map[string]*jobWorld{}
	var mu sync.Mutex
	var current *jobWorld
	at := func() *jobWorld { mu.Lock(); defer mu.Unlock(); return current }
	fake := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/run" {
			row, i, _ := strings.Cut(r.URL.Query().Get("id"), "/")
			mu.Lock()
			current = worlds[row]
			fmt.Sscan(i, &current.now)
			mu.Unlock()
			return
		}
		w := at()
		mu.Lock()
		defer mu.Unlock()
		w.serve(rw, r, r.URL.Path)
	}))
	defer fake.Close()
	reply := map[string][]byte{"azure": tdsReply, "gcp": pgReply}[cloud]
	writerDB := dbFake(t, reply, func() bool { mu.Lock(); defer mu.Unlock(); return current.minute().Database == "replicating" })
	localDB := dbFake(t, reply, func() bool { mu.Lock(); defer mu.Unlock(); return current.minute().Database != "unreadable" })

	var runs []map[string]any
	for _, s := range rows {
		worlds[s.Name] = newJobWorld(t, cloud, s)
		for i := range worlds[s.Name].minutes {
			runs = append(runs, map[string]any{"id": fmt.Sprintf("%s/%d", s.Name, i), "env": jobEnv(cloud, fake.URL, writerDB, localDB)})
		}
	}
	for _, r := range runJob(t, fake.URL, runs) {
		row, _, _ := strings.Cut(r.ID, "/")
		worlds[row].results = append(worlds[row].results, r)
	}
	return worlds
}

// runJob runs the embedded job.py once per run in python3.
func runJob(t *testing.T, fake string, runs []map[string]any) []jobResult {
	t.Helper()
	dir := t.TempDir()
	for name, b := range map[string][]byte{"job.py": []byte(Job), "runner.py": jobRunner} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	in, err := json.Marshal(map[string]any{"fake": fake, "runs": runs})
	require.NoError(t, err)
	cmd := exec.Command("python3", filepath.Join(dir, "runner.py"), filepath.Join(dir, "job.py"))
	return jsonLines[jobResult](t, cmd, in, len(runs))
}

// jobEnv is the job's environment, as the components set it, pointed at
// the fakes.
func jobEnv(cloud, fake, writerDB, localDB string) map[string]string {
	env := map[string]string{
		"CLOUD": cloud, "WRITER_PROBE_URL": fake + "/probe/writer", "SUCCESSOR_PROBE_URL": fake + "/probe/successor",
		"PROBES": fmt.Sprint(JobProbes), "PROBE_INTERVAL_SECONDS": "0", "PROBE_TIMEOUT_SECONDS": "2", "BACKOFF_SECONDS": "0",
		"WRITER_DB_ADDRESS": writerDB, "LOCAL_DB_ADDRESS": localDB, "NEXT_STEP": "Set mobile-backend:writerRegion and run pulumi up.",
	}
	if cloud == "azure" {
		for k, v := range map[string]string{
			"ARM_ENDPOINT": fake, "SUBSCRIPTION": jobSub, "SERVER_GROUP": jobGroup, "SERVER": jobServer, "FAILOVER_GROUP": jobFOG,
			"FRONT_DOOR_ID": jobFD, "WRITER_ORIGIN": jobWriterH, "SUCCESSOR_ORIGIN": jobSuccH, "AZURE_CLIENT_ID": "client-id", "WRITER_ORIGIN_ID": jobOrigin,
			"DATABASE": "app", "BACKUP_RETENTION_DAYS": "14",
			"IDENTITY_ENDPOINT": fake + "/msi/token", "IDENTITY_HEADER": "identity-header",
		} {
			env[k] = v
		}
		return env
	}
	for k, v := range map[string]string{
		"GOOGLE_APIS": fake + "/g", "METADATA_URL": fake + "/md", "PROJECT": jobProject,
		"WRITER_CHECK_ID": "writer-check", "SUCCESSOR_CHECK_ID": "successor-check",
		"RELEASE_BUCKET": "prod-uploads", "RELEASE_OBJECT": "_mobile-backend/release-window.json",
		"URL_MAP": jobURLMap, "STANDBY_BACKEND": jobStandby,
		"REPLICA": jobReplica, "REPLICA_ADDRESS": jobAddress, "WRITER_ZONE": "prod-db", "WRITER_RECORD": jobRecord, "OLD_PRIMARY": jobOld, "READER_RECORDS": jobReaderOld + "," + jobReaderThird,
		"DIRECTORY": jobDirectoryAfter, "DIRECTORY_OBJECT": jobDirectory, "DIRECTORY_CACHE_CONTROL": "public, max-age=60",
		"BACKUP_LOG_DAYS": "14", "BACKUP_RETAINED": "35",
	} {
		env[k] = v
	}
	return env
}

// outcome is what a row's runs did, for the same checks on every cloud.
func (w *jobWorld) outcome() (notified, alerts []string, failed bool) {
	notified = []string{}
	for _, r := range w.results {
		if c, ok := r.Code.(float64); !ok || c != 0 {
			failed = true
		}
		for _, e := range r.Events {
			reason, _ := e["reason"].(string)
			switch e["event"] {
			case "notify":
				notified = append(notified, reason)
			case "alert":
				if !slices.Contains(alerts, reason) {
					alerts = append(alerts, reason)
				}
			}
		}
	}
	return notified, alerts, failed
}

func (w *jobWorld) completed() bool {
	if w.cloud == "azure" {
		_, announced := w.tags["mobile-backend-failover-announced"]
		// ...and the old writer's origin fenced.
		return w.role == "Primary" && announced && w.originState == "Disabled" && w.retention == 14
	}
	// ...and the old primary stopped.
	return w.instanceType == "CLOUD_SQL_INSTANCE" && w.record == jobAddress && w.urlMap == jobStandby &&
		w.backups["enabled"] == true && w.backups["pointInTimeRecoveryEnabled"] == true && w.oldPolicy == "NEVER" &&
		w.readers[jobReaderOld] == jobAddress && w.readers[jobReaderThird] == jobAddress && // no region reads a replica of the old primary
		w.directory == jobDirectoryAfter // the apps hear of the new writer
}

func TestTheFailoverJobRunsTheScenarioTableInPython(t *testing.T) {
	rows, err := Scenarios()
	require.NoError(t, err)
	for _, cloud := range []string{"azure", "gcp"} {
		t.Run(cloud, func(t *testing.T) {
			t.Parallel()
			worlds := runJobTable(t, cloud, rows)
			for _, s := range rows {
				t.Run(s.Name, func(t *testing.T) {
					w := worlds[s.Name]
					e := s.Expect
					assert.Len(t, w.promotions, e.Promotions, "promotions at runs %v", w.promotions)
					for _, m := range w.promotions {
						assert.GreaterOrEqual(t, m, e.NotBefore, "promoted at run %d", m)
						if e.WithinDetection {
							assert.LessOrEqual(t, m*JobIntervalSeconds, JobDetection(0), "promoted at run %d, past the detection the budget counts", m)
						}
					}
					// Every run ends with the line the silence alert counts,
					// its status the run's exit status.
					for i, r := range w.results {
						require.NotEmpty(t, r.Events, r.ID)
						last := r.Events[len(r.Events)-1]
						assert.Equal(t, map[string]any{"event": "ran", "status": r.Code, "severity": map[bool]string{true: "INFO", false: "ERROR"}[r.Code == 0.0]}, last, r.ID)
						w.results[i].Events = r.Events[:len(r.Events)-1]
					}
					notified, alerts, failed := w.outcome()
					if e.Notified == nil {
						e.Notified = []string{}
					}
					assert.Equal(t, e.Notified, notified, "%+v", w.results)
					assert.ElementsMatch(t, e.Alerts, alerts, "%+v", w.results)
					assert.Equal(t, e.RunFailed, failed, "%+v", w.results)
					if e.Silent {
						for _, r := range w.results {
							assert.Empty(t, r.Events, r.ID)
						}
					}
					assert.Equal(t, e.Completed, w.completed(), "role %s, tags %v, instance %s, record %s, URL map %s, backups %v", w.role, w.tags, w.instanceType, w.record, w.urlMap, w.backups)
					if cloud == "gcp" && e.Completed && s.Start != "promoted" {
						// The promoted writer keeps the stack's backups:
						// point-in-time recovery over its log days, and
						// its count of daily backups.
						assert.Equal(t, map[string]any{
							"enabled": true, "pointInTimeRecoveryEnabled": true, "transactionLogRetentionDays": 14.0,
							"backupRetentionSettings": map[string]any{"retentionUnit": "COUNT", "retainedBackups": 35.0},
						}, w.backups)
					}
					for _, r := range w.results {
						for _, ev := range r.Events {
							if ev["event"] == "notify" && ev["reason"] == NotifyPromoting {
								assert.Equal(t, "lost", ev["evidence"].(map[string]any)["database"], "the notification says what the job saw")
							}
						}
					}
				})
			}
		})
	}
}

// The job's own defaults are the figures the budget and the components use.
func TestTheJobsTimingIsTheOneTheBudgetCounts(t *testing.T) {
	for text, want := range map[string]int{
		"\nWINDOW = %d\n":                                JobWindowMinutes,
		"\nDB_PROBES = %d\n":                             JobDatabaseProbes,
		`int(env.get("PROBES", "%d"))`:                   JobProbes,
		`float(env.get("PROBE_INTERVAL_SECONDS", "%d"))`: JobProbeIntervalSeconds,
		`float(env.get("PROBE_TIMEOUT_SECONDS", "%d"))`:  JobProbeTimeoutSeconds,
		`float(env.get("DB_TIMEOUT_SECONDS", "%d"))`:     JobDatabaseTimeoutSeconds,
	} {
		assert.Contains(t, Job, fmt.Sprintf(text, want))
	}
	assert.Less(t, JobRunTimeoutSeconds, JobIntervalSeconds, "a run ends before the next starts")
	// The longest run that promotes: every probe of the writer fails, the
	// successor answers at once, every data-path probe of the writer fails
	// and the local one answers at once; ten seconds are left for the API
	// calls.
	probes := JobProbes*JobProbeTimeoutSeconds + (JobProbes-1)*JobProbeIntervalSeconds
	database := JobDatabaseProbes*JobDatabaseTimeoutSeconds + (JobDatabaseProbes - 1)
	assert.LessOrEqual(t, probes+database+10, JobRunTimeoutSeconds)
}

// Run as the clouds run it (python3 -c <job>), a job without its settings
// fails the run and says which one is missing.
func TestTheJobRunAsAScriptNamesWhatItLacks(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("python3", "-c", Job)
	cmd.Env = []string{"CLOUD=azure", "WRITER_PROBE_URL=https://w/", "SUCCESSOR_PROBE_URL=https://s/"}
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 2, string(out))
	var said, ran map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &said), lines[0])
	assert.Equal(t, "SUBSCRIPTION is not set", said["message"])
	assert.Equal(t, "ERROR", said["severity"])
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &ran), lines[1])
	assert.Equal(t, map[string]any{"event": "ran", "status": 1.0, "severity": "ERROR"}, ran, "the last line says the run did not finish")
}

// A run that crashes still ends with the line the silence alert counts, and
// fails.
func TestACrashedRunSaysSoInItsLastLine(t *testing.T) {
	t.Parallel()
	const start = `if __name__ == "__main__":`
	require.Contains(t, Job, start)
	script := strings.Replace(Job, start, "if False:", 1) +
		"\ndef main(env):\n    raise RuntimeError('boom')\n\nsys.exit(entry({}))\n"
	cmd := exec.Command("python3", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, stderr.String(), "RuntimeError: boom")
	var ran map[string]any
	require.NoError(t, json.Unmarshal(bytes.TrimSpace(out), &ran), string(out))
	assert.Equal(t, map[string]any{"event": "ran", "status": 1.0, "severity": "ERROR"}, ran)
}
