package gcp

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// global is what the stamps share: the regions, the project, and the
// global pieces.
type global struct {
	regions []gcpc.Region // in the order of the regions key; the first is home
	// lookups is the provider every lookup goes through: the first region
	// not in regionsDown (the APIs they call are global).
	lookups       *gcp.Provider
	project       string // the provider's project (from config, or the ambient one)
	projectNumber string
	engine        string // spec.EngineSpanner or spec.EngineCloudSQL
	network       *gcpc.Network
	db            *gcpc.GlobalDatabase
	secrets       *gcpc.AppSecrets // the app's secrets; nil for none
	storage       *gcpc.ReplicatedStorage
	armor         *gcpc.WebFirewall
	// releaseWindow says where a deploy marks a release for the failover
	// job (the cloud output releaseWindow; nil without it).
	releaseWindow pulumi.Map
}

// home is the region that holds the once-per-stack resources and the
// stack-wide provider (the first of regions); the writer (writerRegion) may
// move after a failover without moving any of them.
func (g *global) home() gcpc.Region { return g.regions[0] }

// newGlobal builds the regions (name, role, provider, subnet range), then
// the global pieces: the APIs, the keys, the network, the data tier, the
// uploads, the Cloud Armor policy and (ddosProtection) network protection.
func newGlobal(ctx *pulumi.Context, s spec.Spec) (*global, error) {
	g := &global{engine: s.GCPEngine()}
	// A down region's resources (by their region or location) stay as
	// deployed; its provider is only a default region, so it stays too.
	outage, err := stacks.NewOutage(ctx)
	if err != nil {
		return nil, err
	}
	outage.ByLocation(s)
	for _, r := range s.Regions {
		p, err := gcpc.NewProvider(ctx, "gcp-"+r.Name, s.GCP.Project, r.Name, stacks.TagsIn(s, r.Name))
		if err != nil {
			return nil, err
		}
		g.regions = append(g.regions, gcpc.Region{Name: r.Name, Role: r.Role, Provider: p, CIDR: r.CIDR})
		if g.lookups == nil && !r.Down {
			g.lookups = p
		}
	}
	inHome := g.home().In()
	var randomProvider *random.Provider
	randomProvider, err = random.NewProvider(ctx, "random", nil)
	if err != nil {
		return nil, err
	}
	var projectID *string
	if s.GCP.Project != "" {
		projectID = &s.GCP.Project
	}
	proj, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: projectID}, pulumi.Provider(g.lookups))
	if err != nil {
		return nil, fmt.Errorf("gcp project: %w", err)
	}
	g.project, g.projectNumber = *proj.ProjectId, proj.Number

	// Every API the stack calls is enabled first, and each resource waits
	// for its own (a disabled API refuses every call).
	// Where uploads live: the dual-region bucket and a read copy per other area.
	placement := gcpc.ChooseDualRegion(s.RegionNames)
	copies := gcpc.PlaceReadCopies(s.RegionNames, placement)
	apis, err := gcpc.NewAPIs(ctx, s.Stack+"-apis", gcpc.APIsArgs{Project: g.project, Services: googleAPIs(s, len(copies) > 0)}, inHome)
	if err != nil {
		return nil, err
	}
	outage.Also(apis.WaitFor)

	// Customer-managed keys where the data lives: the bucket's multi-region,
	// and Spanner's configuration or each Cloud SQL instance's region.
	users := map[string][]string{gcpc.KMSLocation(placement.Location): {gcpc.StorageService}}
	for _, c := range copies {
		users[c.Region] = append(users[c.Region], gcpc.StorageService)
	}
	if len(s.Runtime.Secrets) > 0 {
		for _, r := range s.RegionNames {
			users[r] = append(users[r], gcpc.SecretManagerService)
		}
	}
	if g.engine == spec.EngineSpanner {
		if loc := s.GCP.Spanner.KMSLocation; loc != "" {
			users[loc] = append(users[loc], "spanner.googleapis.com")
		}
	} else {
		for _, r := range s.RegionNames {
			users[r] = append(users[r], "sqladmin.googleapis.com")
		}
	}
	keyArgs := gcpc.EncryptionKeysArgs{Stack: s.Stack, Project: g.project, Users: users, Protect: s.Protect, Lookups: g.lookups}
	keys, err := gcpc.NewEncryptionKeys(ctx, s.Stack+"-keys", keyArgs, inHome)
	if err != nil {
		return nil, err
	}

	if g.network, err = gcpc.NewNetwork(ctx, s.Stack+"-net", gcpc.NetworkArgs{Regions: g.regions, PrivateServices: g.engine == spec.EngineCloudSQL}, inHome); err != nil {
		return nil, err
	}
	if g.db, err = gcpc.NewGlobalDatabase(ctx, s.Stack+"-db", gcpc.GlobalDatabaseArgs{
		Engine: g.engine, Regions: g.regions, Project: g.project, Name: s.Database.Name, Labels: s.StandardTags(),
		SpannerConfig: s.GCP.Spanner, MinUnits: s.GCP.SpannerMinUnits, MaxUnits: s.GCP.SpannerMaxUnits,
		NetworkID: g.network.NetworkID, DependsOn: g.network.Peering(), Tier: s.GCP.CloudSQLTier,
		BackupRetentionDays: s.Database.BackupRetentionDays, RandomProvider: randomProvider, Protect: s.Protect,
		BackupLocation: s.Regions[1].Name, RetainedBackups: s.Backup.CopyRetentionDays,
		KeyIDs: keys.All(),
	}, inHome); err != nil {
		return nil, err
	}
	if len(s.Runtime.Secrets)+len(s.Runtime.SecretRefs) > 0 {
		existing, err := gcpc.ExistingSecrets(ctx, s.Stack+"-app-secret-refs", gcpc.ExistingSecretsArgs{
			Project: g.project, Regions: s.RegionNames, IDs: s.Runtime.SecretRefs,
		}, pulumi.Provider(g.lookups))
		if err != nil {
			return nil, fmt.Errorf("%s:appSecretRefs: %w", spec.Namespace, err)
		}
		if g.secrets, err = gcpc.NewAppSecrets(ctx, s.Stack+"-app-secrets", gcpc.AppSecretsArgs{
			Project: g.project, Regions: s.RegionNames, KeyIDs: keys.All(), Prefix: s.Stack + "-app-", Values: stacks.AppSecretValues(s),
			Existing: existing, Protect: s.Protect,
		}, inHome); err != nil {
			return nil, err
		}
	}
	if g.storage, err = gcpc.NewReplicatedStorage(ctx, s.Stack+"-uploads", gcpc.ReplicatedStorageArgs{
		Regions: s.RegionNames, NoncurrentVersionDays: s.Storage.NoncurrentVersionDays, Protect: s.Protect, ProjectNumber: g.projectNumber,
		RandomProvider: randomProvider, KeyIDs: keys.All(),
		Project: g.project, TransferAPI: apis.Service(transferAPI), Lookups: g.lookups,
	}, inHome); err != nil {
		return nil, err
	}
	if g.armor, err = gcpc.NewWebFirewall(ctx, s.Stack+"-armor", gcpc.WebFirewallArgs{
		Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, AppGate: s.AppGate(), Attestation: s.AppAttestation(),
	}, inHome); err != nil {
		return nil, err
	}
	if s.DDoSProtection {
		if _, err := gcpc.NewNetworkDDoSProtection(ctx, s.Stack+"-ddos", gcpc.NetworkDDoSProtectionArgs{Stack: s.Stack, Project: g.project, Regions: g.regions}, inHome); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// googleAPIs are the APIs a stack's resources call (copies: the uploads
// have read copies in other areas).
func googleAPIs(s spec.Spec, copies bool) []string {
	apis := []string{
		"cloudkms.googleapis.com", "cloudresourcemanager.googleapis.com", "compute.googleapis.com", "dns.googleapis.com",
		"iam.googleapis.com", "logging.googleapis.com", "monitoring.googleapis.com", "run.googleapis.com", "storage.googleapis.com",
	}
	if s.GCPEngine() == spec.EngineSpanner {
		apis = append(apis, "spanner.googleapis.com")
	} else {
		apis = append(apis, "secretmanager.googleapis.com", "servicenetworking.googleapis.com", "sqladmin.googleapis.com")
	}
	if len(s.Runtime.Secrets)+len(s.Runtime.SecretRefs) > 0 && !slices.Contains(apis, "secretmanager.googleapis.com") {
		apis = append(apis, "secretmanager.googleapis.com")
	}
	if needsFailover(s) {
		apis = append(apis, "cloudscheduler.googleapis.com")
	}
	if s.MonthlyBudget > 0 {
		apis = append(apis, "billingbudgets.googleapis.com")
	}
	if copies {
		apis = append(apis, transferAPI)
	}
	if s.Attestation.On() {
		apis = append(apis, "recaptchaenterprise.googleapis.com")
	}
	return apis
}

// transferAPI copies uploads to the read copies of other areas.
const transferAPI = "storagetransfer.googleapis.com"
