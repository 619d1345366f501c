package spec

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// AppRuntime is what the app's container gets beyond the program's own
// settings, the same in every region: environment variables, secrets by
// reference, paths that server-to-server callers use, and where alerts go
// besides e-mail.
type AppRuntime struct {
	Env map[string]string
	// Secrets are the names of appSecrets, sorted. Their values are held
	// apart (SecretValue) and only ever leave as secret outputs.
	Secrets []string
	// SecretRefs are existing secrets by name (appSecretRefs): a Secrets
	// Manager name (AWS) or Secret Manager id (Google Cloud).
	SecretRefs  map[string]string
	PublicPaths []string
	// AlertWebhooks are the alert endpoints; secret, as appSecrets' values.
	AlertWebhooks []string
	// ImageReplicated: the image's registry has a replica in every region.
	ImageReplicated bool
	// AzureRegistryID is the Azure Container Registry of a private image.
	AzureRegistryID string
	// WorkersRaw are the workers as configured (workers): name to
	// "INSTANCES COMMAND…" (Spec.Workers).
	WorkersRaw map[string]string
	// SchedulesRaw are the scheduled jobs as configured (schedules): name
	// to "CRON (five fields) COMMAND…" (Spec.Schedules).
	SchedulesRaw map[string]string

	secretValues map[string]string
	secretsRaw   bool // appSecrets was set
}

// SecretValue is the value of an app secret as configured: "[secret]" in an
// offline plan, the decrypted value under pulumi up. Callers wrap it in
// pulumi.ToSecret before it reaches a resource.
func (a AppRuntime) SecretValue(name string) string { return a.secretValues[name] }

func (a *AppRuntime) setSecrets(raw string) error {
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return fmt.Errorf("must be a map of names to secret values, got %s", raw)
	}
	a.secretValues, a.Secrets, a.secretsRaw = map[string]string{}, nil, true
	for k, val := range v {
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("%s: must be a string set with pulumi config set --secret --path 'appSecrets.%s' VALUE", k, k)
		}
		a.secretValues[k] = s
		a.Secrets = append(a.Secrets, k)
	}
	slices.Sort(a.Secrets)
	return nil
}

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ReservedEnvPrefixes and ReservedEnv are the environment variable names
// the program sets itself (each cloud's compute and data tier) or the
// platforms reserve (Cloud Run's K_*, ECS's ECS_*, Container Apps'
// CONTAINER_APP_*): appEnv and appSecrets may not take them.
var (
	ReservedEnvPrefixes = []string{"DB_", "UPLOADS_", "OTEL_", "SPANNER_", "APP_ATTESTATION", "APP_IDS_", "AWS_", "ECS_", "AZURE_", "GOOGLE_", "K_", "CLOUD_RUN_", "CONTAINER_APP_"}
	ReservedEnv         = []string{"REGION", "STACK", "ENVIRONMENT", "PORT", "ROLE", "SESSION_TABLE", "FRONT_DOOR_ID"}
)

func reservedEnv(name string) bool {
	u := strings.ToUpper(name)
	if slices.Contains(ReservedEnv, u) {
		return true
	}
	for _, p := range ReservedEnvPrefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// MaxAppSecrets bounds appSecrets: each is a resource in every region (and
// a Container Apps secret, of which an app takes 100).
const MaxAppSecrets = 50

func (a AppRuntime) validate(p *problems) {
	checkName := func(key, name string) bool {
		switch {
		case !envVarName.MatchString(name):
			p.add(key, "%q is not an environment variable name (letters, digits and _, not starting with a digit)", name)
		case reservedEnv(name):
			p.add(key, "%q is set by the program or the platform (%s, %s*)", name, strings.Join(ReservedEnv, ", "), strings.Join(ReservedEnvPrefixes, "*, "))
		default:
			return true
		}
		return false
	}
	for _, k := range SortedKeys(a.Env) {
		checkName("appEnv."+k, k)
	}
	if len(a.Secrets) > MaxAppSecrets {
		p.add("appSecrets", "%d secrets; at most %d", len(a.Secrets), MaxAppSecrets)
	}
	for _, k := range a.Secrets {
		if !checkName("appSecrets."+k, k) {
			continue
		}
		if _, both := a.Env[k]; both {
			p.add("appSecrets."+k, "also set in appEnv: one or the other")
		}
		if a.secretValues[k] == "" {
			p.add("appSecrets."+k, "empty")
		}
	}
	for _, k := range SortedKeys(a.SecretRefs) {
		key, ref := "appSecretRefs."+k, a.SecretRefs[k]
		if !checkName(key, k) {
			continue
		}
		if _, both := a.Env[k]; both {
			p.add(key, "also set in appEnv: one or the other")
		}
		if _, both := a.secretValues[k]; both {
			p.add(key, "also set in appSecrets: one or the other")
		}
		if !secretRefName.MatchString(ref) {
			p.add(key, "%q is not a secret's name (letters, digits and /_+=.@-, at most 255)", ref)
		}
	}
	if len(a.Secrets)+len(a.SecretRefs) > MaxAppSecrets {
		p.add("appSecretRefs", "%d secrets with appSecrets; at most %d", len(a.Secrets)+len(a.SecretRefs), MaxAppSecrets)
	}
	for i, path := range a.PublicPaths {
		key := fmt.Sprintf("publicPaths[%d]", i)
		switch {
		case !strings.HasPrefix(path, "/") || path == "/":
			p.add(key, "%q is not a path prefix below / (e.g. /webhooks/)", path)
		case !publicPath.MatchString(path):
			p.add(key, "%q: letters, digits and - _ . / only (it becomes a WAF match)", path)
		}
	}
	for i, u := range a.AlertWebhooks {
		if u == secretPlaceholder {
			continue // an offline plan: the value stays encrypted
		}
		if parsed, err := url.Parse(u); err != nil || parsed.Scheme != "https" || parsed.Host == "" {
			p.add(fmt.Sprintf("alertWebhooks[%d]", i), "not an https URL")
		}
	}
}

// secretRefName: what both clouds' names have in common (Secrets Manager
// names take letters, digits and /_+=.@-; Secret Manager ids letters,
// digits, _ and -; each cloud's check below narrows it).
var secretRefName = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,255}$`)

var gcpSecretID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// awsSuffixLike: the end of a full Secrets Manager ARN (-XXXXXX).
var awsSuffixLike = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// validateSecretRefs: per cloud, what an existing secret's name may be.
func (s Spec) validateSecretRefs(p *problems) {
	for _, k := range SortedKeys(s.Runtime.SecretRefs) {
		ref := s.Runtime.SecretRefs[k]
		switch s.Cloud {
		case Azure:
			p.add("appSecretRefs."+k, "not on Azure: the stack's vaults are reachable only through their private endpoints, so no secret can exist there before the stack; use appSecrets")
		case GCP:
			if !gcpSecretID.MatchString(ref) {
				p.add("appSecretRefs."+k, "%q is not a Secret Manager secret id (letters, digits, _ and -)", ref)
			}
		case AWS:
			if awsSuffixLike.MatchString(ref) {
				p.add("appSecretRefs."+k, "%q ends in a hyphen and six characters, which Secrets Manager would take for the suffix of a full ARN: rename the secret", ref)
			}
		}
	}
}

var publicPath = regexp.MustCompile(`^/[A-Za-z0-9._/-]+$`)

// secretPlaceholder is what an offline plan sees of a secret value.
const secretPlaceholder = "[secret]"

// secretsAreSecret refuses appSecrets and alertWebhooks given in plain
// text: they would sit readable in the stack file and its history.
func (a AppRuntime) secretsAreSecret(isSecret func(string) bool) problems {
	var p problems
	if isSecret == nil {
		return p
	}
	if a.secretsRaw && len(a.Secrets) > 0 && !isSecret(Namespace+":appSecrets") {
		p.add("appSecrets", "plain text: set each value with pulumi config set --secret --path 'appSecrets.NAME' VALUE")
	}
	if len(a.AlertWebhooks) > 0 && !isSecret(Namespace+":alertWebhooks") {
		p.add("alertWebhooks", "plain text: set each URL with pulumi config set --secret --path 'alertWebhooks[N]' URL (it carries the integration's key)")
	}
	return p
}

// PlainSecretLeaves names the leaves of a secret-only key (appSecrets,
// alertWebhooks) that an offline plan sees in plain text, where the
// engine's secret flag covers the whole key once any leaf is secret.
func PlainSecretLeaves(key, blinded string) []string {
	var out []string
	switch key {
	case "appSecrets":
		var v map[string]any
		if json.Unmarshal([]byte(blinded), &v) == nil {
			for _, k := range SortedKeys(v) {
				if v[k] != secretPlaceholder {
					out = append(out, Namespace+":appSecrets."+k+": plain text: set it with pulumi config set --secret --path 'appSecrets."+k+"' VALUE")
				}
			}
		}
	case "alertWebhooks":
		var v []any
		if json.Unmarshal([]byte(blinded), &v) == nil {
			for i, x := range v {
				if x != secretPlaceholder {
					out = append(out, fmt.Sprintf("%s:alertWebhooks[%d]: plain text: set it with pulumi config set --secret --path 'alertWebhooks[%d]' URL", Namespace, i, i))
				}
			}
		}
	}
	return out
}

// azureRegistryID is an Azure Container Registry's resource id; its last
// segment is the registry's name (5-50 letters and digits).
var azureRegistryID = regexp.MustCompile(`^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+/providers/Microsoft\.ContainerRegistry/registries/([A-Za-z0-9]{5,50})$`)

// validateImage: a private ACR image needs the registry's id (its pull
// grant), and the id must name the image's registry.
func (s Spec) validateImage(p *problems) {
	host, _, _ := strings.Cut(s.Image, "/")
	acr := strings.HasSuffix(host, ".azurecr.io")
	id := s.Runtime.AzureRegistryID
	switch {
	case s.Cloud != Azure && id != "":
		p.add("azureRegistryId", "Azure only")
	case acr && id == "":
		p.add("azureRegistryId", "required: image %q is on an Azure Container Registry, and each region's app identity needs AcrPull on it", s.Image)
	case id != "" && !azureRegistryID.MatchString(id):
		p.add("azureRegistryId", "%q is not a container registry's resource id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>)", id)
	case id != "" && !acr:
		p.add("azureRegistryId", "set, but image %q is not on an Azure Container Registry (<name>.azurecr.io)", s.Image)
	case id != "" && !strings.EqualFold(azureRegistryID.FindStringSubmatch(id)[1], strings.TrimSuffix(host, ".azurecr.io")):
		p.add("azureRegistryId", "names registry %s, but the image is on %s", azureRegistryID.FindStringSubmatch(id)[1], host)
	}
}

// ImagePinned reports whether the image is named by digest: a tag may be
// moved to other content between two regions' pulls.
func (s Spec) ImagePinned() bool { return strings.Contains(s.Image, "@sha256:") }
