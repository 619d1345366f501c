package suite

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// notSurvived lists "region function" for every function a loss breaks.
func notSurvived(losses []policies.RegionLoss) []string {
	var out []string
	for _, rl := range losses {
		for _, f := range rl.Functions {
			if !f.Survives {
				out = append(out, rl.Region+" "+f.Name)
			}
		}
	}
	return out
}

func TestEveryCommittedStackReportsTheLossOfEachRegion(t *testing.T) {
	t.Parallel()
	for _, file := range LinkedStacks(t) {
		res := PlanFile(t, file)
		losses := res.Resilience.RegionLoss
		var regions []string
		for _, rl := range losses {
			regions = append(regions, rl.Region)
			require.Len(t, rl.Functions, len(policies.Functions), file)
			for _, f := range rl.Functions {
				assert.NotEmpty(t, f.Via, "%s: %s %s says what takes over or what is missing", file, rl.Region, f.Name)
			}
		}
		assert.Equal(t, policies.LostRegions(res.Spec), regions, file)
		assert.Empty(t, notSurvived(losses), "%s: the loss of any region is survived", file)
		assert.Empty(t, policies.RegionLossSurvived.Check(Graph(res)), file)

		// The JSON carries it under resilience.regionLoss; the tree as a table.
		code, out, _ := RunMain(t, "--config-file", file, "--format", "json")
		require.Equal(t, plan.ExitOK, code, file)
		var doc struct {
			Resilience struct {
				RegionLoss []policies.RegionLoss `json:"regionLoss"`
			} `json:"resilience"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, losses, doc.Resilience.RegionLoss, file)
		_, tree, _ := RunMain(t, "--config-file", file, "--format", "tree")
		assert.Contains(t, tree, fmt.Sprintf("  %-16s %-18s %-9s", losses[0].Region, policies.FnAPIReads, "yes"), filepath.Base(file))
	}
}

func TestFailoverFiguresOfTheRegionLossTable(t *testing.T) {
	t.Parallel()
	t.Run("gcp", func(t *testing.T) {
		gcpAP := PlanFile(t, "../../Pulumi.gcp-staging.yaml")
		writerLoss := gcpAP.Resilience.RegionLoss[0]
		require.Equal(t, "europe-west1", writerLoss.Region)
		writes := writerLoss.Functions[1]
		assert.Equal(t, policies.FunctionLoss{Name: policies.FnAPIWrites, Survives: true,
			Via:        "failover job gcp-staging-failover in europe-north1 promotes the replica, moves writer.gcp-staging-db.internal and stops the old primary on the evidence",
			RTOSeconds: gcpAP.Resilience.RTO.Computed, RPOSeconds: gcpAP.Resilience.RPO.Computed}, writes)
		standbyLoss := gcpAP.Resilience.RegionLoss[1]
		assert.Zero(t, standbyLoss.Functions[0].RTOSeconds, "losing the standby interrupts no read")
	})
	t.Run("aws", func(t *testing.T) {
		aa := PlanFile(t, "../../Pulumi.prod.yaml")
		reads := aa.Resilience.RegionLoss[1].Functions[0]
		assert.Equal(t, "Route 53 to ap-southeast-1 (latency), us-east-1 (latency)", reads.Via)
		assert.Equal(t, 10*3+60, reads.RTOSeconds, "health check (10 s × 3) and the alias TTL; no database term")
	})
}

// relocated is a copy of a stack with the first resource of a type whose
// name contains nameHas moved to another region (its provider's and, where
// it has one, its region or location input).
func relocated(t *testing.T, s policies.Stack, typ, nameHas, region string) policies.Stack {
	t.Helper()
	out := policies.Stack{Spec: s.Spec}
	done := false
	for _, r := range s.Resources {
		if !done && r.Type == typ && strings.Contains(r.Name, nameHas) {
			clone := cloneResource(t, r)
			for _, k := range []string{"region", "location"} {
				if _, ok := clone.Inputs[k]; ok {
					clone.Inputs[k] = region
				}
			}
			clone.Region = region
			r, done = clone, true
		}
		out.Resources = append(out.Resources, r)
	}
	require.True(t, done, "no %s named *%s*", typ, nameHas)
	return out
}

func TestEachRegionLossBreakIsCaughtWithItsMessage(t *testing.T) {
	t.Parallel()
	// The committed stack each case breaks (a plan of a cloud this binary
	// does not link skips the case).
	const aws, gcpAP, az = "../../Pulumi.prod.yaml", "../../Pulumi.gcp-staging.yaml", "../../Pulumi.azure-staging.yaml"
	cases := []struct {
		name  string
		stack string // the committed stack file
		fail  func(t *testing.T, s policies.Stack) policies.Stack
		want  string
	}{
		{"no write path from a secondary", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeDBCluster, "eu-west-1", "enableGlobalWriteForwarding", false)
		},
			"losing ap-southeast-1 breaks api-writes: the app in eu-west-1 writes to "},
		{"one static origin", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:cdn:AFDOrigin" && strings.HasSuffix(r.Name, "static-westeurope")
			})
		},
			"losing northeurope breaks static-content: Front Door origin group static has no static origin outside northeurope"},
		{"one API origin", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:cdn:AFDOrigin" && strings.HasSuffix(r.Name, "api-westeurope")
			})
		},
			"losing northeurope breaks api-reads: Front Door origin group api has no API origin outside northeurope"},
		{"the only alarm in the lost region", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return without(relocated(t, aws, "aws:cloudwatch/metricAlarm:MetricAlarm", "prod-eu-west-1-health-check", "eu-west-1"), func(r *mock.Resource) bool {
				return r.Type == "aws:sfn/stateMachine:StateMachine" && strings.HasSuffix(r.Name, "watch-eu-west-1")
			})
		},
			"losing eu-west-1 breaks alerting: the only alarms on eu-west-1's health live in eu-west-1 itself"},
		{"AWS automation in the region it must rescue", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return relocated(t, aws, "aws:sfn/stateMachine:StateMachine", "watch-us-east-1", "us-east-1")
		},
			"losing us-east-1 breaks api-writes: the Aurora writer in us-east-1 is lost and no automation outside it promotes a secondary"},
		{"AWS automation without its permission", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, "aws:iam/rolePolicy:RolePolicy", "watch-us-east-1", "policy", `{"Version":"2012-10-17","Statement":[]}`)
		},
			"losing us-east-1 breaks api-writes: the Aurora writer in us-east-1 is lost and state machine prod-eu-west-1-watch-us-east-1 may not call rds:FailoverGlobalCluster"},
		{"AWS promotion that routes the old writer by a check it cannot fence", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return mutated(t, aws, TypeHealthCheck, "us-east-1-route", "type", "HTTPS")
		},
			"losing us-east-1 breaks api-writes: the Aurora writer in us-east-1 is lost and its promotion leaves two writers: us-east-1's API record routes by prod-dns-us-east-1-route, not by a calculated check"},
		{"AWS promotion that may not fence", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			for _, r := range aws.Resources {
				if r.Type == "aws:iam/rolePolicy:RolePolicy" && strings.Contains(r.Name, "watch-us-east-1") {
					var doc map[string]any
					require.NoError(t, json.Unmarshal([]byte(r.Str("policy")), &doc))
					var kept []any
					for _, st := range doc["Statement"].([]any) {
						if st.(map[string]any)["Sid"] != "FenceTheOldWriter" {
							kept = append(kept, st)
						}
					}
					require.Len(t, kept, len(doc["Statement"].([]any))-1, "the watch's role grants the fence")
					doc["Statement"] = kept
					b, _ := json.Marshal(doc)
					return mutated(t, aws, "aws:iam/rolePolicy:RolePolicy", "watch-us-east-1", "policy", string(b))
				}
			}
			t.Fatal("no watch role policy")
			return aws
		},
			"its promotion leaves two writers: state machine prod-eu-west-1-watch-us-east-1 may not call route53:UpdateHealthCheck on prod-dns-us-east-1-route"},
		{"GCP promotion that never stops the old primary", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, "gcp:cloudrunv2/job:Job", "failover", envPath(t, gcpAP, "gcp:cloudrunv2/job:Job", "failover", "template.template.containers.0.envs", "OLD_PRIMARY"), "")
		},
			"losing europe-west1 breaks api-writes: the promotion leaves two writers: failover job gcp-staging-failover promotes but never stops the old primary gcp-staging-db-europe-west1 (OLD_PRIMARY)"},
		{"Azure failover that never disables the old writer's origin", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return mutated(t, az, "azure-native:app/v20240301:Job", "sql-failover", envPath(t, az, "azure-native:app/v20240301:Job", "sql-failover", "template.containers.0.env", "WRITER_ORIGIN_ID"), "")
		},
			"losing northeurope breaks api-writes: the forced failover leaves the old writer routed: failover job "},
		{"Azure failover that may not disable the old writer's origin", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:authorization:RoleAssignment" && strings.HasSuffix(r.Name, "fences-writer-origin")
			})
		},
			"its identity holds no CDN Profile Contributor on it"},
		{"a promoted member its region's app cannot write to", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			euTasks := "" // eu-west-1's container definitions, without its own writer endpoint
			for _, r := range aws.Resources {
				if r.Type == "aws:ecs/taskDefinition:TaskDefinition" && r.Region == "eu-west-1" {
					euTasks = strings.Replace(r.Str("containerDefinitions"), "DB_LOCAL_WRITER_HOST", "DB_UNUSED", 1)
				}
			}
			require.Contains(t, euTasks, "DB_UNUSED")
			return mutated(t, aws, "aws:ecs/taskDefinition:TaskDefinition", "eu-west-1", "containerDefinitions", euTasks)
		},
			"state machine prod-eu-west-1-watch-us-east-1 promotes eu-west-1, whose app writes neither to the global writer endpoint nor to its own cluster's endpoint"},
		{"Azure failover job in the region it must rescue", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return relocated(t, az, "azure-native:app/v20240301:Job", "sql-failover", "northeurope")
		},
			"losing northeurope, api-writes survives only after 3700 s, past mobile-backend:rtoSeconds (600 s): SQL failover group"},
		{"Azure failover job without its permission", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:authorization:RoleAssignment" && strings.HasSuffix(r.Name, "may-fail-over")
			})
		},
			"no failover job outside northeurope may force it"},
		{"GCP automation without its permission", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return without(gcpAP, func(r *mock.Resource) bool {
				return r.Type == "gcp:projects/iAMMember:IAMMember" && strings.HasSuffix(r.Name, "failover-job-act")
			})
		},
			"losing europe-west1 breaks api-writes: failover job gcp-staging-failover may not promote: its service account holds no role with cloudsql.instances.promoteReplica"},
		{"GCP automation that may not move the record", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return without(gcpAP, func(r *mock.Resource) bool {
				return r.Type == "gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember" && strings.HasSuffix(r.Name, "failover-job-move")
			})
		},
			"losing europe-west1 breaks api-writes: failover job gcp-staging-failover may not move writer."},
		{"the region directory only in the lost region", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return IsPublisher(r) && r.Region == "westeurope"
			})
		},
			"losing northeurope breaks region-directory: no static store the edge serves from outside northeurope holds .well-known/mobile-backend.json"},
		{"AWS automation never started", aws, func(t *testing.T, aws policies.Stack) policies.Stack {
			return without(aws, func(r *mock.Resource) bool {
				return r.Type == "aws:scheduler/schedule:Schedule" && strings.HasSuffix(r.Name, "watch-us-east-1")
			})
		},
			"losing us-east-1 breaks failover-control: database control: the Aurora writer in us-east-1 is lost and no automation outside it"},
		{"automation in the region it must rescue", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return relocated(t, relocated(t, gcpAP, "gcp:cloudrunv2/job:Job", "failover", "europe-west1"), "gcp:cloudscheduler/job:Job", "failover", "europe-west1")
		},
			"losing europe-west1 breaks api-writes: the Cloud SQL writer in europe-west1 is lost and no failover job outside it promotes a replica"},
		{"GCP automation that is not the tested job", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return mutated(t, gcpAP, "gcp:cloudrunv2/job:Job", "failover", "template.template.containers.0.args.1", "print('promote')")
		},
			"losing europe-west1 breaks api-writes: the Cloud SQL writer in europe-west1 is lost and no failover job outside it promotes a replica"},
		{"GCP automation never started", gcpAP, func(t *testing.T, gcpAP policies.Stack) policies.Stack {
			return without(gcpAP, func(r *mock.Resource) bool { return r.Type == "gcp:cloudscheduler/job:Job" })
		},
			"losing europe-west1 breaks api-reads: the URL map's default backend gcp-staging-lb-europe-west1 has no endpoint outside europe-west1 and no failover job outside it switches the map"},
		{"uploads written only in the lost region", az, func(t *testing.T, az policies.Stack) policies.Stack {
			uploadsAccount := 0 // the westeurope app's UPLOADS_ACCOUNT entry
			for _, r := range az.Resources {
				if r.Type == "azure-native:app/v20240301:ContainerApp" && strings.Contains(r.Name, "westeurope") {
					for i := 0; i < r.Len("template.containers.0.env"); i++ {
						if r.Str(fmt.Sprintf("template.containers.0.env.%d.name", i)) == "UPLOADS_ACCOUNT" {
							uploadsAccount = i
						}
					}
				}
			}
			return mutated(t, az, "azure-native:app/v20240301:ContainerApp", "westeurope", fmt.Sprintf("template.containers.0.env.%d.value", uploadsAccount), "mbazurestagingnorte57bc6")
		},
			"losing northeurope breaks uploads: the app in westeurope has no writable storage account outside northeurope"},
		{"a serving region without its own key", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:keyvault:Vault" && strings.Contains(r.Name, "westeurope")
			})
		},
			"losing northeurope breaks sign-in-material: westeurope serves after the loss of northeurope but has no key of its own"},
		{"no alert on origin health", az, func(t *testing.T, az policies.Stack) policies.Stack {
			return without(az, func(r *mock.Resource) bool {
				return r.Type == "azure-native:insights:MetricAlert" && strings.HasSuffix(r.Name, "origin-health")
			})
		},
			"losing northeurope breaks alerting: no alert outside northeurope fires on its origins' health"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msgs := messagesOf(policies.RegionLossSurvived.Check(tc.fail(t, Graph(PlanFile(t, tc.stack)))))
			assert.True(t, strings.Contains(strings.Join(msgs, "\n"), tc.want), "want %q in %v", tc.want, msgs)
		})
	}
	// The unmutated plans pass.
	for _, file := range []string{aws, gcpAP, az} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			assert.Empty(t, policies.RegionLossSurvived.Check(Graph(PlanFile(t, file))))
		})
	}
}

// envPath is the input path of an environment variable's value in the
// container of the first resource of a type whose name contains nameHas.
func envPath(t *testing.T, s policies.Stack, typ, nameHas, list, name string) string {
	t.Helper()
	for _, r := range s.Resources {
		if r.Type == typ && strings.Contains(r.Name, nameHas) {
			for i := 0; i < r.Len(list); i++ {
				if r.Str(fmt.Sprintf("%s.%d.name", list, i)) == name {
					return fmt.Sprintf("%s.%d.value", list, i)
				}
			}
		}
	}
	t.Fatalf("no %s in %s *%s*", name, typ, nameHas)
	return ""
}
