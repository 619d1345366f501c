package spec

import (
	"encoding/json"
	"fmt"
	"github.com/mobile-backend/mobile-backend/components"
	"strconv"
)

// Field is one config key of the project: its Pulumi.yaml type, default and
// description, and how it lands in the Spec. This table is the source of the
// defaults; Pulumi.yaml declares the same keys and a test holds it to this
// table, so the two cannot drift apart.
type Field struct {
	Key  string // without the "mobile-backend:" namespace
	Type string // Pulumi.yaml type: string, integer, boolean, array (of strings) or object
	// Default as Pulumi.yaml declares it; nil when the key is required. An
	// empty default means "derived from other keys" (the Doc says how).
	Default  any
	Required bool
	Doc      string
	set      func(s *Spec, raw string) error
}

func str[T ~string](key string, def T, doc string, p func(*Spec) *T) Field {
	// Every optional key has a default in Pulumi.yaml, even an empty one that
	// means "derived from other keys": the engine refuses a stack that lacks
	// a declared key with no default.
	return Field{Key: key, Type: "string", Doc: doc, Default: string(def), set: func(s *Spec, raw string) error {
		*p(s) = T(raw)
		return nil
	}}
}

func required(f Field) Field {
	f.Required = true
	f.Default = nil
	return f
}

func integer(key string, def int, doc string, p func(*Spec) *int) Field {
	return Field{Key: key, Type: "integer", Default: def, Doc: doc, set: func(s *Spec, raw string) error {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", raw)
		}
		*p(s) = n
		return nil
	}}
}

func boolean(key string, def bool, doc string, p func(*Spec) *bool) Field {
	return Field{Key: key, Type: "boolean", Default: def, Doc: doc, set: func(s *Spec, raw string) error {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		*p(s) = b
		return nil
	}}
}

func list(key string, def []string, doc string, p func(*Spec) *[]string) Field {
	f := Field{Key: key, Type: "array", Doc: doc, set: func(s *Spec, raw string) error {
		var v []string
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return fmt.Errorf("must be a list of strings, got %s", raw)
		}
		*p(s) = v
		return nil
	}}
	if def == nil {
		def = []string{}
	}
	f.Default = def
	return f
}

func object(key, doc string, p func(*Spec) *map[string]string) Field {
	return Field{Key: key, Type: "object", Default: map[string]string{}, Doc: doc, set: func(s *Spec, raw string) error {
		var v map[string]string
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return fmt.Errorf("must be a map of strings to strings, got %s", raw)
		}
		*p(s) = v
		return nil
	}}
}

// Fields is every config key the program reads, in the order the README and
// Pulumi.yaml list them.
var Fields = []Field{
	required(str("cloud", Cloud(""), "Cloud to deploy to: aws, gcp or azure.",
		func(s *Spec) *Cloud { return &s.Cloud })),
	required(str("topology", Topology(""), "active-active (every region serves) or active-passive (the writer region serves, the others are warm standbys).",
		func(s *Spec) *Topology { return &s.Topology })),
	required(list("regions", []string{}, "Region names of the cloud, at least two; at most eleven on AWS (an Aurora global database has ten secondaries), thirteen on Google Cloud (its load balancer takes fifteen certificates, one per hostname) and five on Azure (an Azure SQL database has four geo-secondaries). The first is the home region of the once-per-stack resources: never reorder after the first deploy (after a failover, set writerRegion instead).",
		func(s *Spec) *[]string { return &s.RegionNames })),
	str("writerRegion", "", "Region of the database writer, one of regions: the serving region in active-passive. Default: the first region. After a failover, set it to the region that took over; pulumi up then moves routing and the apps' writer settings and replaces nothing stateful.",
		func(s *Spec) *string { return &s.WriterRegion }),
	list("regionsDown", nil, "Regions whose cloud control plane is unreachable (a regional outage), each one of regions and never writerRegion. With it the program makes no call to those regions (no lookup, no credential check through their providers), leaves every resource in them as it was deployed (with the writer they had, regionsDownWriter), takes them out of routing and the region directory, and places no automation in them: pulumi up (a recovery, a hotfix) runs to completion during the outage. Remove it once the regions are back; the next pulumi up converges them and replaces nothing stateful.",
		func(s *Spec) *[]string { return &s.RegionsDown }),
	str("regionsDownWriter", "", "The writer region the regions in regionsDown were last deployed with: after a failover, the lost writer's region (writerRegion names the promoted one). Default: writerRegion (the writer did not move).",
		func(s *Spec) *string { return &s.RegionsDownWriter }),
	str("awsHostedZoneId", "", "AWS: the Route 53 hosted zone id of dnsZone (Z...). When set, the program does not look the zone up; required with us-east-1 in regionsDown, where Route 53's control plane is.",
		func(s *Spec) *string { return &s.AWSHostedZoneID }),
	str("awsAccountId", "", "AWS: the account id of the stack (12 digits). When set, the program asks no region's STS for it; required with regionsDown, whose providers skip the credential and account checks.",
		func(s *Spec) *string { return &s.AWSAccountID }),
	required(str("domain", "", "Public API hostname, e.g. api.example.com.",
		func(s *Spec) *string { return &s.Domain })),
	str("environment", "", "Environment name; prod or production turns on production protections. Default: the stack name.",
		func(s *Spec) *string { return &s.Environment }),

	str("image", "", "Container image of the API. Default: a placeholder that answers on / so a first deploy goes healthy: public.ecr.aws/nginx/nginx:stable on AWS and Azure, docker.io/library/nginx:stable on Google Cloud (Cloud Run deploys only from Artifact Registry, gcr.io or docker.io).",
		func(s *Spec) *string { return &s.Image }),
	boolean("imageReplicated", false, "The image's registry keeps a replica in every region of the stack (ECR replication, ACR geo-replication): on AWS each region then pulls a private ECR image from its own region's replica (same account and repository); on Azure the registry counts as surviving any region's loss. Without it a private ECR or ACR image is a region-loss dependency. Google Cloud's multi-region Artifact Registry locations (us-, europe-, asia-docker.pkg.dev) need no key.",
		func(s *Spec) *bool { return &s.Runtime.ImageReplicated }),
	str("azureRegistryId", "", "Azure: resource id of the Azure Container Registry that holds a private image (image on <name>.azurecr.io), e.g. /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>. Each region's app identity gets AcrPull on it and pulls through it.",
		func(s *Spec) *string { return &s.Runtime.AzureRegistryID }),
	integer("containerPort", components.DefaultWorkload.ContainerPort, "Port the container listens on.",
		func(s *Spec) *int { return &s.ContainerPort }),
	integer("cpu", components.DefaultWorkload.CPU, "CPU per instance in units of 1/1024 vCPU (AWS Fargate sizes: 256, 512, 1024, 2048, 4096, 8192, 16384).",
		func(s *Spec) *int { return &s.CPU }),
	integer("memory", components.DefaultWorkload.Memory, "Memory per instance in MiB; must be a size Fargate allows for the CPU.",
		func(s *Spec) *int { return &s.Memory }),
	integer("minInstances", components.DefaultWorkload.MinInstances, "Autoscaling minimum per serving region.",
		func(s *Spec) *int { return &s.MinInstances }),
	integer("maxInstances", components.DefaultWorkload.MaxInstances, "Autoscaling maximum per region.",
		func(s *Spec) *int { return &s.MaxInstances }),
	integer("standbyMinInstances", 1, "Autoscaling minimum of a warm standby region in active-passive (at least 1, so the standby passes its health check).",
		func(s *Spec) *int { return &s.StandbyMinInstances }),
	integer("cpuTargetPercent", components.DefaultCPUTargetPercent, "Average CPU utilisation that target-tracking autoscaling holds (10-90).",
		func(s *Spec) *int { return &s.CPUTargetPercent }),

	str("healthCheckPath", components.DefaultHealthCheck.Path, "HTTP path that answers 2xx/3xx when a region is healthy.",
		func(s *Spec) *string { return &s.HealthCheck.Path }),
	integer("healthCheckInterval", components.DefaultHealthCheck.IntervalSeconds, "Seconds between health checks (AWS Route 53 allows 10 or 30).",
		func(s *Spec) *int { return &s.HealthCheck.IntervalSeconds }),
	integer("healthCheckFailureThreshold", components.DefaultHealthCheck.FailureThreshold, "Consecutive failed checks before a region is taken out of DNS (1-10).",
		func(s *Spec) *int { return &s.HealthCheck.FailureThreshold }),
	integer("dnsTtl", components.DefaultDNSTTL, "TTL in seconds of the non-alias DNS records this stack writes (alias records use the target's TTL).",
		func(s *Spec) *int { return &s.DNSTTL }),
	str("dnsZone", "", "Hosted zone that holds the domain. Default: the domain without its first label (api.example.com -> example.com).",
		func(s *Spec) *string { return &s.DNSZone }),
	boolean("createDnsZone", false, "Create the hosted zone instead of looking up an existing one (then delegate to its name servers).",
		func(s *Spec) *bool { return &s.CreateZone }),

	str("wafMode", components.DefaultWAFMode, "What the WAF does with matching requests: block, or count for a staged rollout.",
		func(s *Spec) *WAFMode { return &s.WAF.Mode }),
	integer("rateLimit", components.DefaultRateLimit, "Requests per 5 minutes per client IP before the WAF blocks it.",
		func(s *Spec) *int { return &s.WAF.RateLimit }),
	list("geoBlock", []string{}, "ISO 3166-1 alpha-2 country codes the WAF blocks, e.g. [\"KP\"].",
		func(s *Spec) *[]string { return &s.WAF.GeoBlock }),
	list("wafLargeBodyPaths", []string{}, "URL path prefixes (e.g. /v1/media) whose requests may carry bodies over 8 KB. AWS only: the core rule set blocks every body over 8 KB at the load balancer; with paths set, its body-size rule only counts and a rule of the stack blocks oversized bodies on every other path.",
		func(s *Spec) *[]string { return &s.WAF.LargeBodyPaths }),
	boolean("ddosProtection", false, "Paid DDoS protection on top of the WAF's rate limits: AWS Shield Advanced protections (the account must already subscribe), Google Cloud advanced network DDoS protection (Cloud Armor Enterprise), an Azure DDoS Protection plan on every virtual network. Each has a subscription fee.",
		func(s *Spec) *bool { return &s.DDoSProtection }),
	integer("monthlyBudget", 0, "Monthly cost budget of the stack, in US dollars on AWS, in the billing account's currency on Google Cloud and Azure; alerts at 50%, 80% and 100% of actual spend and 100% of forecast go to alertEmails. 0: no budget.",
		func(s *Spec) *int { return &s.MonthlyBudget }),
	str("gcpBillingAccount", "", "Google Cloud billing account that pays for the project (XXXXXX-XXXXXX-XXXXXX); needed for monthlyBudget on Google Cloud.",
		func(s *Spec) *string { return &s.GCP.BillingAccount }),
	list("alertEmails", []string{}, "E-mail addresses that receive alerts.",
		func(s *Spec) *[]string { return &s.AlertEmails }),
	list("releaseWaves", nil, "The order a release (a change of image, appEnv, appSecrets, cpu or memory) reaches the regions within one pulumi up: a list of waves, each one region or several joined by commas, e.g. [eu-west-2, \"us-west-2,ap-southeast-1\", us-east-1]. Each wave starts only once the previous wave's new version is measured healthy and has baked releaseBakeSeconds; a failing wave rolls its regions back by themselves and fails pulumi up, and later waves keep the previous version. The first wave is one region and never the writer's; the writer's region is always released last, alone, wherever it is listed. Default: the first region of regions that is not the writer's (in active-passive a standby), then the other regions, then the writer's.",
		func(s *Spec) *[]string { return &s.Release.Waves }),
	integer("releaseBakeSeconds", 300, "How long each release wave's new version must stay healthy (its region's 5xx-rate and p99-latency alarms quiet) before the next wave starts, 0 to 600; at least 120 in production.",
		func(s *Spec) *int { return &s.Release.BakeSeconds }),
	list("migrations", nil, "The schema migrations' command and arguments, e.g. [/app/migrate, up]: run once per pulumi up that changes them or their image, in the writer's region and network, before the first release wave, signed in as the database's admin (the only identity that may change the schema; the apps read and write only). A failed run (non-zero exit) fails pulumi up before any region takes the new version. AWS: an ECS task, its exit status read by the deployment; Google Cloud: a Cloud Run job the deployment runs and waits for; Azure: a Container Apps job a deployment script starts and waits for, as an identity whose contained user alone has db_ddladmin. Write them expand/contract: the previous release runs against the new schema until the last wave (docs/delivery.md). Empty: none.",
		func(s *Spec) *[]string { return &s.Release.Migrations }),
	str("migrationsImage", "", "The image the migrations run in. Default: image (the release's own).",
		func(s *Spec) *string { return &s.Release.MigrationsImage }),
	object("workers", "The app's background processes, by name: \"INSTANCES COMMAND…\", e.g. {push: \"2 /app/worker push\"}. Each runs the release's image with that command, INSTANCES of it in every serving region (a warm standby's too, at that count), with the app's settings, secrets and identity and no ingress, and is released in the app's waves and watched like it (its running count alerts). On Google Cloud a worker is a Cloud Run service with internal ingress and no invoker, its CPU always allocated: it must still answer on PORT (Cloud Run's startup probe). Names: 2 to 12 lowercase letters, digits or hyphens.",
		func(s *Spec) *map[string]string { return &s.Runtime.WorkersRaw }),
	object("breakGlass", "An operator's way in to the private database in an emergency, off unless set: {until: <RFC 3339>, approval: <ticket>, member: <who>}. AWS: ECS Exec into the API's tasks (operators need ecs:ExecuteCommand; sessions logged to CloudWatch Logs, encrypted with the region's key; the tasks may open sessions only until until). Google Cloud: member (e.g. group:oncall@example.com) may run the break-glass Cloud Run job, the app's image and identity in the writer's network, with a command of its own (gcloud run jobs execute --args; every run in Cloud Audit Logs). Azure: member (an Entra group's object id) is eligible for 8 hours from the pulumi up that opens it for a role that may exec into the API's containers (az containerapp exec), activated through Privileged Identity Management. In production until is required, and a plan after it fails (break-glass-bounded).",
		func(s *Spec) *map[string]string { return &s.BreakGlass.raw }),
	object("schedules", "The app's scheduled jobs, by name: \"CRON COMMAND…\", a five-field cron in UTC then the command, e.g. {cleanup: \"0 3 * * * /app/cleanup --days 30\"}. Each runs the release's image with that command, with the app's settings, secrets and identity, once for the whole stack, next to the database writer: every region's scheduler fires and only the region that holds the writer runs it, so after a promotion it runs in the new writer's region with no person and no pulumi up, and a lost region runs nothing. AWS: EventBridge Scheduler and a runner that asks the Aurora global database where the writer is; Google Cloud: Cloud Scheduler and a runner that asks whether the region's Cloud SQL instance is the primary (with Spanner, the writer's region alone); Azure: a scheduled Container Apps job that starts the job if the region's SQL server holds the failover group's primary. Cron fields: numbers, *, N-M, */S, lists; on AWS a day of month or a day of week, not both. A failed run alerts the on-call channels. Names: 2 to 12 lowercase letters, digits or hyphens, not ending in -run.",
		func(s *Spec) *map[string]string { return &s.Runtime.SchedulesRaw }),
	str("failoverAutomation", AutomationPromote, "What the automation does when the writer's region stays down: promote (fail the database over to the next region, and alert) or notify (alert only: a person decides and promotes, per the README's runbook; the region-loss policy then reports the manual step as advisory).",
		func(s *Spec) *string { return &s.FailoverAutomation }),
	integer("rtoSeconds", 600, "Recovery time objective: how long a regional failure may interrupt service.",
		func(s *Spec) *int { return &s.Objectives.RTOSeconds }),
	integer("rpoSeconds", 900, "Recovery point objective: how much recent data a regional failure may lose.",
		func(s *Spec) *int { return &s.Objectives.RPOSeconds }),
	list("allowedRegions", []string{}, "Regions where the stack may run and its data may rest (data residency); empty allows all. The policies fail a stack that runs elsewhere or keeps data at rest elsewhere: a Cloud Storage multi-region counts as all its regions, an Azure region's geo-redundant storage and backups as its paired region too (which may be listed here). On AWS without us-east-1, the CloudFront web ACL keeps counts only (its logs could rest in us-east-1 alone).",
		func(s *Spec) *[]string { return &s.AllowedRegions }),
	integer("minRegionDistanceKm", 500, "Minimum great-circle distance between any two of the stack's regions; the policy check fails closer ones.",
		func(s *Spec) *int { return &s.MinRegionDistanceKm }),
	object("tags", "Extra tags/labels on every resource (the program adds app, stack, environment and managed-by).",
		func(s *Spec) *map[string]string { return &s.Tags }),
	object("minAppVersions", "Oldest app version each platform may use, e.g. {ios: \"2.3.0\", android: \"2.1.0\"} (major[.minor[.patch]], compared as numbers): an older app gets an upgrade-required answer at every WAF. Empty: no gate.",
		func(s *Spec) *map[string]string { return &s.App.Minimums }),
	object("appStoreUrls", "Store address per platform for the upgrade-required answer, e.g. {ios: \"https://apps.apple.com/app/id123\"}.",
		func(s *Spec) *map[string]string { return &s.App.StoreURLs }),
	str("appPlatformHeader", components.DefaultPlatformHeader, "Request header naming the app's platform (ios or android); requests without it are not gated.",
		func(s *Spec) *string { return &s.App.PlatformHeader }),
	str("appVersionHeader", components.DefaultVersionHeader, "Request header carrying the app's version; requests without it are not gated.",
		func(s *Spec) *string { return &s.App.VersionHeader }),

	boolean("appHeadersRequired", false, "Refuse API requests without appPlatformHeader or appVersionHeader (only the apps call the API; the health check path is exempt): 400 with a JSON body on AWS, 403 on Google Cloud and Azure.",
		func(s *Spec) *bool { return &s.App.RequireHeaders }),
	str("appAttestation", components.AttestationOff, "App attestation at every WAF: off, monitor (count requests without a valid app token) or enforce (refuse them). AWS: the AWS WAF mobile SDK token, checked by Bot Control (targeted); Google Cloud: reCAPTCHA action-tokens from a key per app in appIds, evaluated by Cloud Armor; Azure: Bot Manager at Front Door and the X-App-Attestation header required there, its App Attest / Play Integrity token verified by the app (README). The health check path is never checked.",
		func(s *Spec) *components.AttestationMode { return &s.Attestation.Mode }),
	object("appEnv", "Environment variables of the app's container, the same in every region, e.g. {LOG_LEVEL: info}. Names are letters, digits and _, not starting with a digit; the ones the program sets (REGION, STACK, ENVIRONMENT, PORT, ROLE, DB_*, UPLOADS_*, OTEL_*, ...) are refused.",
		func(s *Spec) *map[string]string { return &s.Runtime.Env }),
	Field{Key: "appSecrets", Type: "object", Default: map[string]string{}, Doc: "The app's secrets, by environment variable name, each set with `pulumi config set --secret --path 'appSecrets.NAME' VALUE` (a plain-text value is refused). The stack stores each in every region's secret store, encrypted with the region's key, and the app receives it by reference: AWS Secrets Manager (ECS secrets), Google Secret Manager with a replica in every region (Cloud Run secretKeyRef), Azure Key Vault in every region (Container Apps Key Vault reference). Names as for appEnv.",
		set: func(s *Spec, raw string) error { return s.Runtime.setSecrets(raw) }},
	object("appSecretRefs", "Secrets that already exist, by environment variable name: on AWS the name of a Secrets Manager secret that exists in every region of the stack (a secret replicated to them keeps its name; each region's tasks read their own region's copy), on Google Cloud a Secret Manager secret id of the project, replicated to every region of the stack or automatically (checked at every deploy; its current version is pinned). Not on Azure: use appSecrets. Names as for appEnv.",
		func(s *Spec) *map[string]string { return &s.Runtime.SecretRefs }),
	list("publicPaths", []string{}, "URL path prefixes (e.g. /webhooks/) that server-to-server callers use (App Store Server Notifications, Google Play notifications, payment webhooks): exempt from appHeadersRequired, the version gate and attestation, still under the managed rules, rate limit and geoBlock. The app must verify each caller itself (signatures).",
		func(s *Spec) *[]string { return &s.Runtime.PublicPaths }),
	list("alertWebhooks", []string{}, "HTTPS endpoints that receive every alert besides alertEmails (a PagerDuty, Opsgenie or chat integration URL), each set with `pulumi config set --secret --path 'alertWebhooks[N]' URL`: SNS HTTPS subscriptions (the endpoint must confirm the subscription: PagerDuty does, Slack needs a relay), Cloud Monitoring webhook channels, action group webhook receivers.",
		func(s *Spec) *[]string { return &s.Runtime.AlertWebhooks }),
	object("appIds", "The app's identity per platform, required with appAttestation: {ios: <bundle id>, android: <package name>}, e.g. {ios: com.example.app, android: com.example.app}.",
		func(s *Spec) *map[string]string { return &s.Attestation.AppIDs }),

	list("vpcCidrs", nil, "Private IPv4 range of each region's network, one per region, /16 to /23, non-overlapping. Default: 10.n.0.0/16, n fixed per region (its place in the project's region table), whatever the order of regions.",
		func(s *Spec) *[]string { return &s.VPCCIDRs }),
	boolean("singleNatGateway", false, "One NAT gateway per region instead of one per zone (cheaper, but a zone failure cuts the region's egress).",
		func(s *Spec) *bool { return &s.SingleNATGateway }),
	integer("logRetentionDays", components.DefaultLogRetentionDays, "Retention of the stack's logs, in days: a value CloudWatch Logs accepts on AWS, 1-3650 on Google Cloud (log bucket), 30-730 on Azure (Log Analytics).",
		func(s *Spec) *int { return &s.LogRetentionDays }),
	boolean("protect", true, "Pulumi protect on stateful resources, so that a destroy or a rename cannot delete data.",
		func(s *Spec) *bool { return &s.Protect }),

	str("dbEngineVersion", components.DefaultAuroraVersion, "Aurora PostgreSQL engine version of the global database (major.minor).",
		func(s *Spec) *string { return &s.Database.EngineVersion }),
	str("dbInstanceClass", components.DefaultAuroraInstanceClass, "Instance class of the database instances (a db.r* or db.x* class: global databases do not run on burstable classes).",
		func(s *Spec) *string { return &s.Database.InstanceClass }),
	integer("dbInstances", components.DefaultAuroraInstances, "Database instances per region (at least 2 in production, across zones).",
		func(s *Spec) *int { return &s.Database.Instances }),
	integer("dbBackupRetentionDays", components.DefaultBackupRetentionDays, "Days of automated backups and point-in-time recovery (7-35).",
		func(s *Spec) *int { return &s.Database.BackupRetentionDays }),
	integer("backupCopyRetentionDays", 35, "Days the daily backups copied to another region are kept (AWS Backup copies, Cloud SQL backups stored outside the primary region, Azure SQL weekly long-term retention rounded up to weeks).",
		func(s *Spec) *int { return &s.Backup.CopyRetentionDays }),
	boolean("backupVaultLock", false, "Lock the AWS Backup vaults in compliance mode: after 3 days nobody, not even the account root, can delete a backup before its retention ends or the vault itself.",
		func(s *Spec) *bool { return &s.Backup.VaultLock }),
	str("dbName", components.DefaultDatabaseName, "Name of the application database.",
		func(s *Spec) *string { return &s.Database.Name }),
	boolean("sessionTable", true, "Create the DynamoDB global table for session and device data.",
		func(s *Spec) *bool { return &s.SessionTable }),
	integer("noncurrentVersionDays", components.DefaultNoncurrentVersionDays, "Days a replaced or deleted object version is kept in the upload buckets.",
		func(s *Spec) *int { return &s.Storage.NoncurrentVersionDays }),
	str("staticHostname", "", "Hostname of the edge cache for static content. Default: static.<domain>.",
		func(s *Spec) *string { return &s.Storage.StaticHostname }),

	str("azureSqlAdminLogin", "", "Microsoft Entra login (a group's, user's or application's name) that administers the Azure SQL servers. Default: the stack's own identity, <stack>-sql-admin, as which a job in the writer's network makes the apps' database users.",
		func(s *Spec) *string { return &s.Azure.SQLAdminLogin }),
	str("azureSqlAdminObjectId", "", "The id Azure SQL knows that Entra principal by: a group's or user's object id, an application's client (application) id (an application's SID is its client id: sys.server_principals). Default: the stack's identity's. With an admin of your own, run the databaseUsersScript output as it.",
		func(s *Spec) *string { return &s.Azure.SQLAdminObjectID }),
	str("azureSqlAdminType", "Group", "What that Entra principal is: Group, User or Application (a service principal or managed identity).",
		func(s *Spec) *string { return &s.Azure.SQLAdminType }),
	str("azureSqlSku", components.DefaultAzureSQLSku, "Azure SQL database SKU: General Purpose or Business Critical on standard-series hardware (GP_Gen5_<vCores>, BC_Gen5_<vCores>), which offer zone redundancy.",
		func(s *Spec) *string { return &s.Azure.SQLSku }),
	str("azureDnsResourceGroup", "", "Resource group of the Azure DNS zone. An existing zone is looked up there (default <stack>-dns, a group the stack never creates; never one of the stack's own groups); with createDnsZone the zone is created there (default: the stack's global group).",
		func(s *Spec) *string { return &s.Azure.DNSResourceGroup }),
	integer("azureKeyVaultGeneration", 0, "Raise it (1, 2, ...) to re-create a destroyed Azure stack under the same name: Key Vault names stay reserved for 90 days after a destroy (soft delete with purge protection), and this gives the vaults new ones.",
		func(s *Spec) *int { return &s.Azure.KeyVaultGeneration }),
	integer("azureFailoverGraceMinutes", components.DefaultFailoverGraceMinutes, "Minutes the SQL failover group waits before an automatic failover that may lose data (60 or more).",
		func(s *Spec) *int { return &s.Azure.FailoverGraceMinutes }),

	integer("alarmErrorRatePercent", components.DefaultAlarms.ErrorRatePercent, "Alert when 5xx responses exceed this percentage of a region's requests.",
		func(s *Spec) *int { return &s.Alarms.ErrorRatePercent }),
	integer("alarmLatencyP99Ms", components.DefaultAlarms.LatencyP99Ms, "Alert when a region's p99 response time exceeds this many milliseconds.",
		func(s *Spec) *int { return &s.Alarms.LatencyP99Ms }),
	integer("alarmCpuPercent", components.DefaultAlarms.CPUPercent, "Alert when a region's service CPU utilisation exceeds this percentage.",
		func(s *Spec) *int { return &s.Alarms.CPUPercent }),
	integer("alarmMemoryPercent", components.DefaultAlarms.MemoryPercent, "Alert when a region's service memory utilisation exceeds this percentage.",
		func(s *Spec) *int { return &s.Alarms.MemoryPercent }),
	integer("alarmDbReplicationLagMs", components.DefaultAlarms.DatabaseLagMs, "Alert when a secondary database lags the writer by more than this many milliseconds.",
		func(s *Spec) *int { return &s.Alarms.DatabaseLagMs }),
	integer("alarmStorageReplicationSeconds", components.DefaultAlarms.StorageReplicationSeconds, "Alert when object replication to a region takes longer than this many seconds.",
		func(s *Spec) *int { return &s.Alarms.StorageReplicationSeconds }),
	str("gcpProject", "", "Google Cloud project id. Default: the provider's ambient project (GOOGLE_PROJECT or gcloud config).",
		func(s *Spec) *string { return &s.GCP.Project }),
	str("gcpDatabase", EngineAuto, "Google Cloud database: spanner, cloudsql, or auto (active-active: Spanner where a known multi-region configuration serves every region and takes a customer-managed key, else Cloud SQL; active-passive: Cloud SQL).",
		func(s *Spec) *string { return &s.GCP.Database }),
	str("spannerConfig", "", "Spanner multi-region configuration, e.g. nam6. Default: the smallest known one that serves every region.",
		func(s *Spec) *string { return &s.GCP.SpannerConfig }),
	integer("spannerMinProcessingUnits", components.DefaultSpannerMinUnits, "Spanner autoscaling floor in processing units (multiples of 1000).",
		func(s *Spec) *int { return &s.GCP.SpannerMinUnits }),
	integer("spannerMaxProcessingUnits", components.DefaultSpannerMaxUnits, "Spanner autoscaling ceiling in processing units (multiples of 1000).",
		func(s *Spec) *int { return &s.GCP.SpannerMaxUnits }),
	str("cloudSqlTier", components.DefaultCloudSQLTier, "Cloud SQL machine tier of the primary and its replicas.",
		func(s *Spec) *string { return &s.GCP.CloudSQLTier }),
	integer("concurrency", components.DefaultWorkload.Concurrency, "Concurrent requests per instance on Cloud Run and Azure Container Apps (1-1000); the Container Apps HTTP scale rule scales out at this load.",
		func(s *Spec) *int { return &s.Concurrency }),

	integer("alarmWafBlockedRequests", components.DefaultAlarms.WAFBlockedRequests, "Alert when a region's WAF blocks more than this many requests in 5 minutes.",
		func(s *Spec) *int { return &s.Alarms.WAFBlockedRequests }),
}

// Defaults is the spec with every key at its documented default and nothing
// derived yet.
func Defaults() Spec {
	var s Spec
	for _, f := range Fields {
		if f.Default == nil {
			continue
		}
		raw := fmt.Sprint(f.Default)
		if f.Type == "array" || f.Type == "object" {
			b, _ := json.Marshal(f.Default) // a []string or map[string]string always marshals
			raw = string(b)
		}
		if err := f.set(&s, raw); err != nil {
			panic(fmt.Sprintf("default of %s does not parse: %v", f.Key, err)) // a programming error in the table
		}
	}
	return s
}
