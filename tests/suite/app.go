package suite

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/policies"
)

// secure is a stack file's encrypted value: the plan never decrypts it.
var secure = map[string]any{"secure": "v1:c2VjcmV0LXZhbHVl"}

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// appStack is a contract-only stack of a cloud with a real app's
// configuration: env, two secrets, a private image by digest, public
// paths, the app's headers required and attestation enforced, and an alert
// webhook.
func appStack(cloud string) (map[string]any, []string) {
	var regions []string
	var image string
	extra := []any{}
	switch cloud {
	case "aws":
		regions = []string{"eu-west-1", "eu-central-1"}
		image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mobile-api" + digest
		extra = append(extra, "imageReplicated", true)
	case "gcp":
		regions = []string{"europe-west4", "us-central1", "asia-southeast1"}
		image = "us-docker.pkg.dev/mobile-project/app/api" + digest
	default:
		regions = []string{"northeurope", "westeurope"}
		image = "contosoapps.azurecr.io/mobile-api" + digest
		extra = append(extra, "imageReplicated", true,
			"azureRegistryId", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/registry/providers/Microsoft.ContainerRegistry/registries/contosoapps")
	}
	cfg := With(Contract(cloud, "active-active", regions...),
		"appEnv", map[string]string{"LOG_LEVEL": "info", "FEATURE_WALLET": "on"},
		"appSecrets", map[string]any{"APNS_KEY": secure, "JWT_SIGNING_KEY": secure},
		"image", image,
		"publicPaths", []string{"/webhooks/", "/store/notifications"},
		"appHeadersRequired", true,
		"appAttestation", "enforce", "appIds", map[string]string{"ios": "com.example.app", "android": "com.example.app"},
		"alertEmails", []string{"oncall@example.com"}, "alertWebhooks", []any{secure},
	)
	if cloud != "azure" { // Azure refuses existing secrets (its vaults admit only the apps)
		extra = append(extra, "appSecretRefs", map[string]string{"PAYMENTS_KEY": "shared-payments-key"})
	}
	return With(cfg, extra...), regions
}

// secretReads are what each region's app reads: env name -> the region of
// the store (AWS ARN region, Azure vault location; on Google Cloud the
// secret id, whose replicas the caller checks).
func secretReads(t *testing.T, res *plan.Result) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	switch res.Spec.Cloud {
	case spec.AWS:
		for _, td := range res.Recorder.OfType(TypeTaskDef) {
			var defs []struct {
				Image   string
				Secrets []struct{ Name, ValueFrom string }
			}
			require.NoError(t, json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs))
			out[td.Region] = map[string]string{}
			for _, s := range defs[0].Secrets {
				out[td.Region][s.Name] = s.ValueFrom
			}
		}
	case spec.GCP:
		for _, run := range res.Recorder.OfType(TypeRun) {
			out[run.Region] = map[string]string{}
			for i := 0; i < run.Len("template.containers.0.envs"); i++ {
				at := fmt.Sprintf("template.containers.0.envs.%d.", i)
				if id := run.Str(at + "valueSource.secretKeyRef.secret"); id != "" {
					out[run.Region][run.Str(at+"name")] = id + "@" + run.Str(at+"valueSource.secretKeyRef.version")
				}
			}
		}
	default:
		for _, app := range res.Recorder.OfType(TypeContainerApp) {
			refs := map[string]string{}
			for i := 0; i < app.Len("configuration.secrets"); i++ {
				at := fmt.Sprintf("configuration.secrets.%d.", i)
				refs[app.Str(at+"name")] = app.Str(at + "keyVaultUrl")
				assert.Equal(t, app.Get("identity.userAssignedIdentities.0"), app.Get(at+"identity"), "the app's own identity reads %s", app.Str(at+"name"))
			}
			out[app.Region] = map[string]string{}
			for i := 0; i < app.Len("template.containers.0.env"); i++ {
				at := fmt.Sprintf("template.containers.0.env.%d.", i)
				if ref := app.Str(at + "secretRef"); ref != "" {
					out[app.Region][app.Str(at+"name")] = refs[ref]
				}
			}
		}
	}
	return out
}

// appEnvIn is a region's app environment (plain values only).
func appEnvIn(res *plan.Result, region string) map[string]any {
	switch res.Spec.Cloud {
	case spec.AWS:
		for _, td := range res.Recorder.OfType(TypeTaskDef) {
			if td.Region == region {
				var defs []struct {
					Environment []struct{ Name, Value string }
				}
				_ = json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs)
				env := map[string]any{}
				for _, e := range defs[0].Environment {
					env[e.Name] = e.Value
				}
				return env
			}
		}
	case spec.GCP:
		for _, run := range res.Recorder.OfType(TypeRun) {
			if run.Region == region {
				return ContainerEnv(run, "template.containers.0.envs")
			}
		}
	default:
		for _, app := range res.Recorder.OfType(TypeContainerApp) {
			if app.Region == region {
				return ContainerEnv(app, "template.containers.0.env")
			}
		}
	}
	return nil
}

// eachAppStack runs f on the plan of each cloud's appStack, in parallel.
func eachAppStack(t *testing.T, f func(t *testing.T, cloud string, res *plan.Result, regions []string)) {
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			t.Parallel()
			cfg, regions := appStack(cloud)
			f(t, cloud, MustPlan(t, "app", cfg), regions)
		})
	}
}

func TestARealAppsConfigurationReachesEveryRegionByReference(t *testing.T) {
	t.Parallel()
	eachAppStack(t, func(t *testing.T, cloud string, res *plan.Result, regions []string) {
		reads := secretReads(t, res)
		require.Len(t, reads, len(regions), "every region's app")
		for _, r := range regions {
			env := appEnvIn(res, r)
			assert.Equal(t, "info", env["LOG_LEVEL"], r)
			assert.Equal(t, "on", env["FEATURE_WALLET"], r)
			assert.Nil(t, env["APNS_KEY"], "%s: a secret is never a plain value", r)
			if cloud != "azure" {
				require.Len(t, reads[r], 3, "%s reads both secrets and the existing one", r)
				ref := reads[r]["PAYMENTS_KEY"]
				delete(reads[r], "PAYMENTS_KEY")
				if cloud == "aws" {
					assert.Equal(t, "arn:aws:secretsmanager:"+r+":123456789012:secret:shared-payments-key", ref, "its partial ARN in the task's own region")
				} else {
					assert.Equal(t, "shared-payments-key@3", ref, "its current version, pinned")
				}
			}
			require.Len(t, reads[r], 2, "%s reads both secrets", r)
			for name, ref := range reads[r] {
				switch cloud {
				case "aws":
					// arn:aws:secretsmanager:<region>:…:secret:mobile-backend/app/NAME-xxxxxx:::<version id>
					assert.Regexp(t, fmt.Sprintf(`^arn:aws:secretsmanager:%s:\d{12}:secret:mobile-backend/app/%s-\w{6}:::.+$`, r, name), ref, "%s reads its own region's copy, at a pinned version", r)
				case "gcp":
					assert.Regexp(t, `^app-app-`+name+`@.+$`, ref, "%s reads the secret at a pinned version", r)
				default:
					vault := One(t, Filter(res.Recorder.OfType("azure-native:keyvault:Vault"), func(v *mock.Resource) bool {
						return strings.HasPrefix(ref, "https://"+v.Str("vaultName")+".vault.azure.net/secrets/")
					}), "the vault "+ref+" names")
					assert.Equal(t, r, vault.Str("location"), "%s reads its own region's vault", r)
					assert.Regexp(t, `/secrets/`+strings.ReplaceAll(name, "_", "-")+`/\w+$`, ref, "a versioned secret URL")
				}
			}
		}
		assertSecretsStoredEverywhere(t, res, regions)
		assertAlertsPage(t, res)
		assertPullRights(t, res, regions)
		// The region-loss table: app secrets and image pulls survive the
		// loss of every region, and so does every other function.
		for _, loss := range res.Resilience.RegionLoss {
			for _, f := range loss.Functions {
				assert.True(t, f.Survives, "losing %s: %s: %s", loss.Region, f.Name, f.Via)
				if f.Name == policies.FnAppSecrets {
					assert.Contains(t, f.Via, "own copy", loss.Region)
				}
			}
			names := []string{}
			for _, f := range loss.Functions {
				names = append(names, f.Name)
			}
			assert.Contains(t, names, policies.FnAppSecrets)
			assert.Contains(t, names, policies.FnImagePull)
		}
		for _, v := range res.Policies() {
			assert.NotEqual(t, policies.Mandatory, v.Severity, "%s: %s", v.Policy, v.Message)
		}
	})
}

// assertSecretsStoredEverywhere: each secret is stored in every region,
// with that region's key where the store takes one.
func assertSecretsStoredEverywhere(t *testing.T, res *plan.Result, regions []string) {
	t.Helper()
	switch res.Spec.Cloud {
	case spec.AWS:
		keys := ByRegion(res, "aws:kms/key:Key", "arn")
		for _, name := range []string{"APNS_KEY", "JWT_SIGNING_KEY"} {
			stored := map[string]bool{}
			for _, s := range res.Recorder.OfType("aws:secretsmanager/secret:Secret") {
				if s.Str("name") == "mobile-backend/app/"+name {
					stored[s.Region] = true
					assert.Equal(t, keys[s.Region], s.Str("kmsKeyId"), "%s in %s: the region's own key", name, s.Region)
				}
			}
			assert.Len(t, stored, len(regions), name)
		}
	case spec.GCP:
		secrets := Filter(res.Recorder.OfType("gcp:secretmanager/secret:Secret"), func(s *mock.Resource) bool { return strings.HasPrefix(s.Str("secretId"), "app-app-") })
		require.Len(t, secrets, 2)
		for _, s := range secrets {
			var locations []string
			for i := 0; i < s.Len("replication.userManaged.replicas"); i++ {
				at := fmt.Sprintf("replication.userManaged.replicas.%d.", i)
				loc := s.Str(at + "location")
				locations = append(locations, loc)
				assert.Contains(t, s.Str(at+"customerManagedEncryption.kmsKeyName"), "/locations/"+loc+"/", "%s's replica in %s: that region's key", s.Str("secretId"), loc)
			}
			assert.ElementsMatch(t, regions, locations, s.Str("secretId"))
		}
	default:
		for _, name := range []string{"APNS-KEY", "JWT-SIGNING-KEY"} {
			in := map[string]bool{}
			for _, s := range res.Recorder.OfType("azure-native:keyvault:Secret") {
				if s.Str("secretName") == name {
					in[s.Region] = true
					assert.Equal(t, "[secret]", s.Get("properties.value"))
				}
			}
			assert.Len(t, in, len(regions), name)
		}
		// Each region's vault: no public data plane, a private endpoint in
		// the region's endpoints subnet, resolved in its network; the app
		// waits for the record.
		g := policies.NewGraph(res.Recorder.Resources())
		for _, app := range res.Recorder.OfType(TypeContainerApp) {
			vault := One(t, Filter(res.Recorder.OfType("azure-native:keyvault:Vault"), func(v *mock.Resource) bool {
				return v.Region == app.Region && strings.Contains(v.Name, "app-secrets")
			}), "app vault")
			assert.Equal(t, "Disabled", vault.Str("properties.publicNetworkAccess"))
			pe := One(t, Filter(res.Recorder.OfType("azure-native:network:PrivateEndpoint"), func(p *mock.Resource) bool {
				return p.Str("privateLinkServiceConnections.0.privateLinkServiceId") == vault.ID
			}), "vault endpoint")
			assert.Equal(t, []any{"vault"}, pe.Get("privateLinkServiceConnections.0.groupIds"))
			assert.Contains(t, pe.Str("subnet.id"), "/subnets/endpoints")
			record := One(t, Filter(res.Recorder.OfType("azure-native:network:PrivateDnsZoneGroup"), func(z *mock.Resource) bool {
				return z.Str("privateEndpointName") == pe.Outputs["name"]
			}), "vault record")
			assert.True(t, g.DependsOn(app, record), "%s resolves its vault privately before it starts", app.Region)
		}
	}
}

// assertPullRights: each region's app may pull the private image from its
// own region's replica.
func assertPullRights(t *testing.T, res *plan.Result, regions []string) {
	t.Helper()
	switch res.Spec.Cloud {
	case spec.AWS:
		for _, td := range res.Recorder.OfType(TypeTaskDef) {
			var defs []struct{ Image string }
			require.NoError(t, json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs))
			assert.Equal(t, "123456789012.dkr.ecr."+td.Region+".amazonaws.com/mobile-api"+digest, defs[0].Image, "%s pulls from its own replica", td.Region)
		}
		for _, r := range regions {
			p := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", "app-"+r+"-exec-policy")
			require.NotNil(t, p, r)
			policy := p.Str("policy")
			assert.Contains(t, policy, fmt.Sprintf("arn:aws:ecr:%s:123456789012:repository/mobile-api", r), "the execution role pulls from its region's repository")
			assert.Contains(t, policy, `"secretsmanager:GetSecretValue"`)
			assert.Contains(t, policy, fmt.Sprintf(`"arn:aws:secretsmanager:%s:123456789012:secret:shared-payments-key-??????"`, r), "the existing secret of that name in its own region")
			assert.Contains(t, policy, `"kms:ViaService":"secretsmanager.`+r+`.amazonaws.com"`)
		}
	case spec.GCP:
		// Cloud Run's service agent pulls from Artifact Registry in the
		// same project without a grant; the secrets are read by each
		// region's service account.
		for _, run := range res.Recorder.OfType(TypeRun) {
			sa := run.Str("template.serviceAccount")
			grants := Filter(res.Recorder.OfType("gcp:secretmanager/secretIamMember:SecretIamMember"), func(m *mock.Resource) bool {
				return m.Str("member") == "serviceAccount:"+sa && m.Str("role") == "roles/secretmanager.secretAccessor"
			})
			assert.Len(t, grants, 3, "%s's account reads both secrets and the existing one", run.Region)
			for _, g := range grants {
				assert.True(t, policies.NewGraph(res.Recorder.Resources()).DependsOn(run, g), "%s starts after its secret grants", run.Region)
			}
		}
	default:
		g := policies.NewGraph(res.Recorder.Resources())
		for _, app := range res.Recorder.OfType(TypeContainerApp) {
			assert.Equal(t, "contosoapps.azurecr.io", app.Str("configuration.registries.0.server"))
			assert.Equal(t, app.Get("identity.userAssignedIdentities.0"), app.Get("configuration.registries.0.identity"))
			for _, role := range []string{"-pulls-image", "-reads-secrets"} {
				ra := One(t, Filter(res.Recorder.OfType("azure-native:authorization:RoleAssignment"), func(r *mock.Resource) bool {
					return r.Region == app.Region && strings.HasSuffix(r.Name, role)
				}), app.Region+role)
				assert.True(t, g.DependsOn(app, ra), "%s waits for %s", app.Region, role)
				if role == "-pulls-image" {
					assert.Contains(t, ra.Str("roleDefinitionId"), "/7f951dda-4ed3-4680-a7ca-43fe172d538d")
					assert.Equal(t, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/registry/providers/Microsoft.ContainerRegistry/registries/contosoapps", ra.Str("scope"))
				} else {
					assert.Contains(t, ra.Str("roleDefinitionId"), "/4633458b-17de-408a-b874-0445c86b69e6")
				}
			}
		}
	}
}

// Under pulumi up the engine hands the program the decrypted values, with
// the keys marked secret: none of them may reach the plan in plain text.
func TestDecryptedAppSecretsNeverReachThePlanInPlainText(t *testing.T) {
	t.Parallel()
	for _, cloud := range []string{"aws", "gcp", "azure"} {
		t.Run(cloud, func(t *testing.T) {
			t.Parallel()
			SkipUnlinked(t, spec.Cloud(cloud))
			cfg, _ := appStack(cloud)
			file := WriteStack(t, "app", cfg)
			loaded, err := stackfile.Load(projectFile, file, "app")
			require.NoError(t, err)
			const apns, jwt, hook = "apns-plaintext-0F1E2D", "jwt-plaintext-3C4B5A", "https://events.pagerduty.com/integration/key-plaintext-9z8y/enqueue"
			decrypted := withValue(withValue(loaded, "appSecrets", fmt.Sprintf(`{"APNS_KEY":%q,"JWT_SIGNING_KEY":%q}`, apns, jwt)), "alertWebhooks", fmt.Sprintf(`[%q]`, hook))
			res, err := plan.Run(decrypted)
			require.NoError(t, err)
			var js, tree strings.Builder
			require.NoError(t, res.WriteJSON(&js))
			require.NoError(t, res.WriteTree(&tree))
			for _, plain := range []string{apns, jwt, "key-plaintext-9z8y"} {
				assert.NotContains(t, js.String(), plain, "the plan JSON")
				assert.NotContains(t, tree.String(), plain, "the plan tree")
			}
			assert.Contains(t, js.String(), `"[secret]"`)
			// And a plain-text value is refused outright.
			plain := *decrypted
			plain.Secrets = nil
			_, err = plan.Run(&plain)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "mobile-backend:appSecrets: plain text")
		})
	}
}

// Each break of the app's configuration is caught: a secret only in one
// region's store, a public path that the edge still refuses.
func TestAppConfigurationBreaksAreCaught(t *testing.T) {
	t.Parallel()
	eachAppStack(t, func(t *testing.T, cloud string, res *plan.Result, regions []string) {
		stack := policies.Stack{Spec: res.Spec, Resources: res.Recorder.Resources()}
		first, second := regions[0], regions[1]

		// The second region's app reads the first region's copy.
		var elsewhere policies.Stack
		switch cloud {
		case "aws":
			td := One(t, Filter(stack.Resources, func(r *mock.Resource) bool { return r.Type == TypeTaskDef && r.Region == second }), "task")
			elsewhere = mutated(t, stack, TypeTaskDef, td.Name, "containerDefinitions", strings.ReplaceAll(td.Str("containerDefinitions"), "secretsmanager:"+second+":", "secretsmanager:"+first+":"))
		case "gcp":
			elsewhere = stack
			for _, s := range Filter(stack.Resources, func(r *mock.Resource) bool {
				return r.Type == "gcp:secretmanager/secret:Secret" && strings.HasPrefix(r.Str("secretId"), "app-app-")
			}) {
				elsewhere = mutated(t, elsewhere, s.Type, s.Name, "replication.userManaged.replicas", []any{map[string]any{"location": first}})
			}
		default:
			app := One(t, Filter(stack.Resources, func(r *mock.Resource) bool { return r.Type == TypeContainerApp && r.Region == second }), "app")
			firstVault := One(t, Filter(stack.Resources, func(r *mock.Resource) bool {
				return r.Type == "azure-native:keyvault:Vault" && r.Region == first && strings.Contains(r.Name, "app-secrets")
			}), "vault")
			secrets, _ := app.Get("configuration.secrets").([]any)
			var moved []any
			for _, s := range secrets {
				m := map[string]any{}
				for k, v := range s.(map[string]any) {
					m[k] = v
				}
				m["keyVaultUrl"] = "https://" + firstVault.Str("vaultName") + ".vault.azure.net/secrets/APNS-KEY/0123"
				moved = append(moved, m)
			}
			elsewhere = mutated(t, stack, TypeContainerApp, app.Name, "configuration.secrets", moved)
		}
		losses := policies.AnalyzeRegionLoss(elsewhere)
		assert.Contains(t, lossMessage(losses, first, policies.FnAppSecrets), "the app in "+second+" reads")

		// A WAF that still asks a public path for the app's headers.
		var gated policies.Stack
		switch cloud {
		case "aws":
			acl := One(t, Filter(stack.Resources, func(r *mock.Resource) bool {
				return r.Type == "aws:wafv2/webAcl:WebAcl" && r.Region == first && r.Str("scope") == "REGIONAL"
			}), "web acl")
			rules, _ := acl.Get("rules").([]any)
			var changed []any
			for _, r := range rules {
				rule := r.(map[string]any)
				if rule["name"] == "app-header-platform" {
					b, _ := json.Marshal(rule)
					s := strings.Replace(string(b), `"positionalConstraint":"STARTS_WITH","searchString":"/webhooks/"`, `"positionalConstraint":"EXACTLY","searchString":"/webhooks/"`, 1)
					require.NotEqual(t, string(b), s, "the rule exempts /webhooks/ by prefix")
					rule = map[string]any{}
					require.NoError(t, json.Unmarshal([]byte(s), &rule))
				}
				changed = append(changed, rule)
			}
			gated = mutated(t, stack, acl.Type, acl.Name, "rules", changed)
		case "gcp":
			armor := One(t, res.Recorder.OfType(TypeArmor), "security policy")
			rules, _ := armor.Get("rules").([]any)
			var changed []any
			exempt := regexp.MustCompile(`!request\.path\.matches\('[^']*'\) && `)
			removed := 0
			for _, r := range rules {
				b, _ := json.Marshal(r)
				rule := map[string]any{}
				require.NoError(t, json.Unmarshal(b, &rule))
				if m, ok := lookupMap(rule, "match", "expr"); ok {
					if e, _ := m["expression"].(string); exempt.MatchString(e) {
						m["expression"], removed = exempt.ReplaceAllString(e, ""), removed+1
					}
				}
				changed = append(changed, rule)
			}
			require.Positive(t, removed, "the app rules exempt the public paths")
			gated = mutated(t, stack, armor.Type, armor.Name, "rules", changed)
		default:
			policy := One(t, res.Recorder.OfType(TypeAzWAF), "front door policy")
			rules, _ := policy.Get("customRules.rules").([]any)
			var changed []any
			for _, r := range rules {
				rule := r.(map[string]any)
				if rule["name"] == "AppAttestation" {
					conds, _ := rule["matchConditions"].([]any)
					var kept []any
					for _, c := range conds {
						if !strings.Contains(fmt.Sprint(c.(map[string]any)["matchValue"]), "webhooks") {
							kept = append(kept, c)
						}
					}
					require.Len(t, kept, len(conds)-1, "the attestation rule exempts the public paths")
					rule = map[string]any{"name": rule["name"], "action": rule["action"], "matchConditions": kept, "priority": rule["priority"]}
				}
				changed = append(changed, rule)
			}
			gated = mutated(t, stack, policy.Type, policy.Name, "customRules.rules", changed)
		}
		var found []string
		for _, v := range policies.Evaluate(gated, []policies.Policy{policies.PublicPathsOpen}) {
			found = append(found, v.Message)
		}
		assert.NotEmpty(t, found, "the public path refused at the edge is caught")
		assert.Contains(t, strings.Join(found, "\n"), "/webhooks/notification")
		assert.Empty(t, policies.Evaluate(stack, []policies.Policy{policies.PublicPathsOpen}), "the stack as planned passes")
	})
}

// lossMessage is the Via of a function when a region is lost.
func lossMessage(losses []policies.RegionLoss, region, fn string) string {
	for _, l := range losses {
		if l.Region == region {
			for _, f := range l.Functions {
				if f.Name == fn && !f.Survives {
					return f.Via
				}
			}
		}
	}
	return ""
}

// An existing Google Cloud secret without a replica in every region of the
// stack is refused, naming the key (the program asks Secret Manager).
func TestAnExistingSecretWithoutAReplicaInEveryRegionIsRefused(t *testing.T) {
	t.Parallel()
	SkipUnlinked(t, spec.GCP)
	cfg := With(Contract("gcp", "active-active", "europe-west4", "us-central1"), "appSecretRefs", map[string]string{"PAYMENTS_KEY": "payments-in-europe-west4"})
	_, err := planConfig(t, "app", cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mobile-backend:appSecretRefs: secret payments-in-europe-west4 (PAYMENTS_KEY) has no replica in us-central1")
}

// assertAlertsPage: the alert webhook receives every alert, its URL secret.
func assertAlertsPage(t *testing.T, res *plan.Result) {
	t.Helper()
	switch res.Spec.Cloud {
	case spec.AWS:
		topics := res.Recorder.OfType("aws:sns/topic:Topic")
		require.NotEmpty(t, topics)
		for _, topic := range topics {
			hooks := Filter(res.Recorder.OfType("aws:sns/topicSubscription:TopicSubscription"), func(s *mock.Resource) bool {
				return s.Str("topic") == topic.Outputs["arn"] && s.Str("protocol") == "https"
			})
			require.Len(t, hooks, 1, "%s's alarms page", topic.Name)
			assert.Equal(t, "[secret]", hooks[0].Get("endpoint"))
			assert.Equal(t, true, hooks[0].Get("endpointAutoConfirms"), "the deploy waits for the confirmation")
		}
	case spec.GCP:
		hook := One(t, Filter(res.Recorder.OfType("gcp:monitoring/notificationChannel:NotificationChannel"), func(c *mock.Resource) bool {
			return c.Str("type") == "webhook_tokenauth"
		}), "webhook channel")
		assert.Equal(t, "[secret]", hook.Get("labels.url"))
		for _, a := range res.Recorder.OfType("gcp:monitoring/alertPolicy:AlertPolicy") {
			assert.Contains(t, a.Strs("notificationChannels", ""), hook.Outputs["name"], "%s pages", a.Name)
		}
	default:
		group := One(t, res.Recorder.OfType("azure-native:insights:ActionGroup"), "action group")
		assert.Equal(t, "[secret]", group.Get("webhookReceivers.0.serviceUri"))
		assert.Equal(t, true, group.Get("webhookReceivers.0.useCommonAlertSchema"))
	}
}

// lookupMap is the nested map at a path of keys, if every step is a map.
func lookupMap(m map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}
