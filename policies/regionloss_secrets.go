package policies

// The region-loss analysis of app-secrets: every app that serves after the
// loss still reads its secrets.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// appSecrets: every region that serves after the loss reads each of the
// app's secrets from a store that outlives the lost region. The rule is
// stricter than survival: an app that reads a secret stored in another
// region depends on that region, so a secret "that lives only elsewhere"
// breaks the function when that region is lost, even before anything
// else of the stack does.
func (v lossView) appSecrets() FunctionLoss {
	reads := v.appSecretReads()
	if len(reads) == 0 {
		return survived("no app secrets", 0, 0)
	}
	var via []string
	for _, r := range v.Spec.RegionNames {
		if r == v.lost || !v.servesAfter(r) {
			continue
		}
		for _, read := range reads[r] {
			elsewhere := slices.ContainsFunc(read.stores, func(x string) bool { return x != v.lost })
			if !slices.Contains(read.stores, r) && !elsewhere {
				return broken("the app in %s reads %s from %s, not from a copy of its own", r, read.name, storesText(read.stores))
			}
		}
		via = append(via, r)
	}
	return survived("each region's own copy in "+strings.Join(via, ", "), 0, 0)
}

// secretRead is one secret an app reads: its name and the regions its
// store keeps it in (empty: a store the plan does not show).
type secretRead struct {
	name   string
	stores []string
}

func storesText(stores []string) string {
	if len(stores) == 0 {
		return "a store outside the plan"
	}
	return strings.Join(stores, ", ")
}

// appSecretReads are the secrets each region's app reads, by region.
func (v lossView) appSecretReads() map[string][]secretRead {
	out := map[string][]secretRead{}
	switch v.Spec.Cloud {
	case spec.AWS:
		for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
			var defs []struct {
				Secrets []struct{ Name, ValueFrom string } `json:"secrets"`
			}
			_ = json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs)
			for _, d := range defs {
				for _, s := range d.Secrets {
					// arn:aws:secretsmanager:REGION:ACCOUNT:secret:…, or a bare
					// name, which ECS resolves in the task's own region.
					stores := []string{td.Region}
					if parts := strings.Split(s.ValueFrom, ":"); len(parts) > 3 && parts[0] == "arn" {
						stores = nil
						if parts[2] == "secretsmanager" {
							stores = []string{parts[3]}
						}
					}
					out[td.Region] = append(out[td.Region], secretRead{s.Name, stores})
				}
			}
		}
	case spec.GCP:
		replicas := map[string][]string{}
		for _, s := range v.OfType("gcp:secretmanager/secret:Secret") {
			id := s.Str("secretId")
			for i := 0; i < s.Len("replication.userManaged.replicas"); i++ {
				replicas[id] = append(replicas[id], s.Str(fmt.Sprintf("replication.userManaged.replicas.%d.location", i)))
			}
			if s.Get("replication.auto") != nil {
				replicas[id] = nil // Google chooses: not a region of the stack's
			}
		}
		// An existing secret (appSecretRefs) is not in the plan: the program
		// refuses, at every deploy, one without a replica in every region.
		for _, id := range v.Spec.Runtime.SecretRefs {
			if _, inPlan := replicas[id]; !inPlan {
				replicas[id] = v.Spec.RegionNames
			}
		}
		for _, run := range v.OfType("gcp:cloudrunv2/service:Service") {
			list := "template.containers.0.envs"
			for i := 0; i < run.Len(list); i++ {
				if id := run.Str(fmt.Sprintf("%s.%d.valueSource.secretKeyRef.secret", list, i)); id != "" {
					out[run.Region] = append(out[run.Region], secretRead{run.Str(fmt.Sprintf("%s.%d.name", list, i)), replicas[id]})
				}
			}
		}
	case spec.Azure:
		vaults := map[string]string{}
		for _, kv := range v.OfType("azure-native:keyvault:Vault") {
			vaults[strings.ToLower(kv.Str("vaultName"))] = v.where(kv)
		}
		for _, app := range v.OfType(typeContainerApp) {
			for i := 0; i < app.Len("configuration.secrets"); i++ {
				u, err := url.Parse(app.Str(fmt.Sprintf("configuration.secrets.%d.keyVaultUrl", i)))
				if err != nil || u.Host == "" {
					continue
				}
				var stores []string
				if region, ok := vaults[strings.ToLower(strings.SplitN(u.Host, ".", 2)[0])]; ok {
					stores = []string{region}
				}
				out[app.Region] = append(out[app.Region], secretRead{app.Str(fmt.Sprintf("configuration.secrets.%d.name", i)), stores})
			}
		}
	}
	return out
}

// typeContainerApp is the Azure app's type (the 2024-03-01 API version,
// whose secrets take Key Vault references).
const typeContainerApp = "azure-native:app/v20240301:ContainerApp"
