package gcp

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/spanner"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/sql"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/names"
)

// SpannerVersionRetention is how far back point-in-time recovery reaches (7
// days, Spanner's maximum).
const SpannerVersionRetention = "7d"

// PostgresVersion is the Cloud SQL engine.
const PostgresVersion = "POSTGRES_16"

// CloudSQLAdmin is Cloud SQL's built-in administrative user; its password is
// generated and kept in Secret Manager. Applications use IAM users.
const CloudSQLAdmin = "mobile_admin"

// GlobalDatabaseArgs configures a GlobalDatabase. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type GlobalDatabaseArgs struct {
	// Labels go on the Cloud SQL instances themselves: the provider's
	// default labels do not reach them (terraform-provider-google
	// resource_sql_database_instance.go has only settings.user_labels), and
	// without the stack label the budget's filter leaves their cost out.
	Labels  map[string]string
	Engine  string   // required: components.EngineSpanner or components.EngineCloudSQL
	Regions []Region // required, in stack order: Cloud SQL's primary is the first
	Project string   // required: for IAM bindings
	Name    string   // database name

	// Spanner
	SpannerConfig      components.SpannerConfig
	MinUnits, MaxUnits int
	CPUTargetPercent   int

	// Cloud SQL
	NetworkID           pulumi.StringInput // required for Cloud SQL: private IP only
	DependsOn           []pulumi.Resource  // the private services connection
	Tier                string
	BackupRetentionDays int
	// BackupLocation is where Cloud SQL stores its daily backups: a region
	// other than the primary's, so losing the primary region loses no
	// backup. Empty: the primary's own (multi-)region, Cloud SQL's default.
	BackupLocation string
	// RetainedBackups is how many daily backups are kept (at most 365);
	// zero keeps BackupRetentionDays of them.
	RetainedBackups int
	RandomProvider  pulumi.ProviderResource

	// KeyIDs are the customer-managed Cloud KMS keys by location: Cloud SQL
	// takes the key of each instance's region; Spanner the key of its
	// configuration's KMS location (components.SpannerConfig.KMSLocation). A
	// missing key leaves Google-managed encryption, which the
	// customer-managed-keys policy refuses.
	KeyIDs map[string]pulumi.StringOutput

	Protect bool
}

// GlobalDatabase is the stack's database on Google Cloud: a Spanner instance
// on a multi-region configuration that serves every region (every region
// reads locally, writes are synchronous across regions, RPO zero), or Cloud
// SQL for PostgreSQL with a regional high-availability primary and a
// cross-region read replica in every other region.
type GlobalDatabase struct {
	pulumi.ResourceState

	Engine   string
	Instance pulumi.StringOutput `pulumi:"instance"` // Spanner instance or Cloud SQL primary
	Database pulumi.StringOutput `pulumi:"database"`

	// WriterZone is the private Cloud DNS zone (its name) that holds
	// WriterHost, the Cloud SQL writer's stable name: the failover workflow
	// points it at a promoted replica. Empty with Spanner.
	WriterZone pulumi.StringOutput `pulumi:"writerZone"`
	// WriterRecord is the writer record's name (WriterHost with its dot),
	// from the record itself: whoever moves it waits for it.
	WriterRecord pulumi.StringOutput `pulumi:"writerRecord"`
	WriterHost   string

	// LogDays and RetainedBackups are the writer's point-in-time recovery
	// window and daily backups kept (Cloud SQL): a promoted replica gets the
	// same (Failover). Zero with Spanner.
	LogDays, RetainedBackups int

	// AdminSecret is the Secret Manager secret (its id) holding the
	// password of Cloud SQL's built-in admin user (CloudSQLAdmin); Admin is
	// that user and its password's version, for whoever signs in as it to
	// wait for. Empty and nil with Spanner.
	AdminSecret pulumi.StringOutput
	Admin       []pulumi.Resource

	hosts map[string]pulumi.StringOutput // Cloud SQL: the private IP serving reads in each region
	// readers are each region's reader record (its name, with its dot):
	// the apps read through it, and after a promotion the failover job
	// points every one that followed the old primary at the new writer.
	readers  map[string]pulumi.StringOutput
	caCerts  []pulumi.StringOutput // Cloud SQL: each instance's server CA (PEM)
	spannerD *spanner.Database
	replicas map[string]pulumi.StringOutput // Cloud SQL instance name per region
}

// WriterTTL is the writer record's TTL: how long a client may keep the old
// writer's address after the record moves.
const WriterTTL = 30

// NewGlobalDatabase builds the database. Pass the primary region's provider in opts.
func NewGlobalDatabase(ctx *pulumi.Context, name string, args GlobalDatabaseArgs, opts ...pulumi.ResourceOption) (*GlobalDatabase, error) {
	if len(args.Regions) < 2 || args.Project == "" {
		return nil, fmt.Errorf("database %s: two Regions and Project are required", name)
	}
	if args.Engine != components.EngineSpanner && args.Engine != components.EngineCloudSQL {
		return nil, fmt.Errorf("database %s: Engine %q is not %s or %s", name, args.Engine, components.EngineSpanner, components.EngineCloudSQL)
	}
	g := &GlobalDatabase{Engine: args.Engine, hosts: map[string]pulumi.StringOutput{}, replicas: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:gcp:GlobalDatabase", name, g, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Name, components.DefaultDatabaseName)
	components.Default(&args.MinUnits, components.DefaultSpannerMinUnits)
	components.Default(&args.MaxUnits, components.DefaultSpannerMaxUnits)
	components.Default(&args.CPUTargetPercent, 65)
	components.Default(&args.Tier, components.DefaultCloudSQLTier)
	components.Default(&args.BackupRetentionDays, components.DefaultBackupRetentionDays)
	var err error
	switch args.Engine {
	case components.EngineSpanner:
		err = g.spanner(ctx, name, args)
	case components.EngineCloudSQL:
		err = g.cloudSQL(ctx, name, args)
	}
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	if args.Engine == components.EngineSpanner {
		g.WriterZone, g.WriterRecord = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	}
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{"instance": g.Instance, "database": g.Database, "writerZone": g.WriterZone, "writerRecord": g.WriterRecord})
}

func (g *GlobalDatabase) spanner(ctx *pulumi.Context, name string, args GlobalDatabaseArgs) error {
	if args.SpannerConfig.Name == "" {
		return fmt.Errorf("a Spanner configuration is required")
	}
	child := pulumi.Parent(g)
	inst, err := spanner.NewInstance(ctx, name, &spanner.InstanceArgs{
		Name:        pulumi.String(resourceName(name, 30)),
		Config:      pulumi.String(args.SpannerConfig.Name),
		DisplayName: pulumi.String(resourceName(name, 30)),
		AutoscalingConfig: &spanner.InstanceAutoscalingConfigArgs{
			AutoscalingLimits: &spanner.InstanceAutoscalingConfigAutoscalingLimitsArgs{
				MinProcessingUnits: pulumi.Int(args.MinUnits),
				MaxProcessingUnits: pulumi.Int(args.MaxUnits),
			},
			AutoscalingTargets: &spanner.InstanceAutoscalingConfigAutoscalingTargetsArgs{
				HighPriorityCpuUtilizationPercent: pulumi.Int(args.CPUTargetPercent),
				StorageUtilizationPercent:         pulumi.Int(90),
			},
		},
		ForceDestroy: pulumi.Bool(false),
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return err
	}
	db, err := spanner.NewDatabase(ctx, name+"-"+args.Name, &spanner.DatabaseArgs{
		Instance:               inst.Name,
		Name:                   pulumi.String(args.Name),
		VersionRetentionPeriod: pulumi.String(SpannerVersionRetention),
		DeletionProtection:     pulumi.Bool(true),
		EnableDropProtection:   pulumi.Bool(true),
		EncryptionConfig:       spannerEncryption(args.KeyIDs, args.SpannerConfig.KMSLocation),
	}, child, pulumi.Protect(args.Protect))
	if err != nil {
		return err
	}
	g.spannerD = db
	g.Instance = inst.Name
	g.Database = db.Name
	return nil
}

func (g *GlobalDatabase) cloudSQL(ctx *pulumi.Context, name string, args GlobalDatabaseArgs) error {
	g.LogDays, g.RetainedBackups = min(args.BackupRetentionDays, 7), min(max(args.RetainedBackups, args.BackupRetentionDays), 365)
	if args.NetworkID == nil || args.RandomProvider == nil {
		return fmt.Errorf("Cloud SQL needs NetworkID and RandomProvider")
	}
	child := pulumi.Parent(g)
	settings := func(primary bool) *sql.DatabaseInstanceSettingsArgs {
		s := &sql.DatabaseInstanceSettingsArgs{
			Tier:                      pulumi.String(args.Tier),
			Edition:                   pulumi.String("ENTERPRISE"),
			AvailabilityType:          pulumi.String("REGIONAL"), // a standby in a second zone
			DiskType:                  pulumi.String("PD_SSD"),
			DiskAutoresize:            pulumi.Bool(true),
			DeletionProtectionEnabled: pulumi.Bool(true),
			IpConfiguration: &sql.DatabaseInstanceSettingsIpConfigurationArgs{
				Ipv4Enabled:    pulumi.Bool(false),
				PrivateNetwork: args.NetworkID,
				SslMode:        pulumi.String("ENCRYPTED_ONLY"),
			},
			DatabaseFlags: sql.DatabaseInstanceSettingsDatabaseFlagArray{
				&sql.DatabaseInstanceSettingsDatabaseFlagArgs{Name: pulumi.String("cloudsql.iam_authentication"), Value: pulumi.String("on")},
			},
			InsightsConfig: &sql.DatabaseInstanceSettingsInsightsConfigArgs{QueryInsightsEnabled: pulumi.Bool(true)},
		}
		if len(args.Labels) > 0 {
			labels := pulumi.StringMap{}
			for k, v := range args.Labels {
				labels[Label(k)] = pulumi.String(Label(v))
			}
			s.UserLabels = labels
		}
		if primary {
			s.BackupConfiguration = &sql.DatabaseInstanceSettingsBackupConfigurationArgs{
				Enabled:                     pulumi.Bool(true),
				PointInTimeRecoveryEnabled:  pulumi.Bool(true),
				StartTime:                   pulumi.String("03:00"),
				TransactionLogRetentionDays: pulumi.Int(g.LogDays), // Cloud SQL keeps at most 7 days of logs
				BackupRetentionSettings: &sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs{
					RetainedBackups: pulumi.Int(g.RetainedBackups),
					RetentionUnit:   pulumi.String("COUNT"),
				},
				Location: backupLocation(args.BackupLocation),
			}
		}
		return s
	}
	primary := args.Regions[0]
	// The failover job stops the old primary once it promotes a replica
	// (its fence, internal/failover job.py): a pulumi up never restarts it.
	primaryOpts := []pulumi.ResourceOption{child, pulumi.Provider(primary.Provider), pulumi.Protect(args.Protect),
		pulumi.IgnoreChanges([]string{"settings.activationPolicy"})}
	if len(args.DependsOn) > 0 {
		primaryOpts = append(primaryOpts, pulumi.DependsOn(args.DependsOn))
	}
	writer, err := sql.NewDatabaseInstance(ctx, name+"-"+primary.Name, &sql.DatabaseInstanceArgs{
		Name:               pulumi.String(resourceName(name+"-"+primary.Name, 84)),
		Region:             pulumi.String(primary.Name),
		DatabaseVersion:    pulumi.String(PostgresVersion),
		DeletionProtection: pulumi.Bool(true),
		EncryptionKeyName:  keyOf(args.KeyIDs, primary.Name),
		Settings:           settings(true),
	}, primaryOpts...)
	if err != nil {
		return err
	}
	g.hosts[primary.Name] = writer.PrivateIpAddress
	g.replicas[primary.Name] = writer.Name
	g.caCerts = append(g.caCerts, serverCA(writer))
	for _, r := range args.Regions[1:] {
		replica, err := sql.NewDatabaseInstance(ctx, name+"-"+r.Name, &sql.DatabaseInstanceArgs{
			Name:               pulumi.String(resourceName(name+"-"+r.Name, 84)),
			Region:             pulumi.String(r.Name),
			DatabaseVersion:    pulumi.String(PostgresVersion),
			MasterInstanceName: writer.Name,
			ReplicaConfiguration: &sql.DatabaseInstanceReplicaConfigurationArgs{
				FailoverTarget: pulumi.Bool(false),
			},
			DeletionProtection: pulumi.Bool(true),
			EncryptionKeyName:  keyOf(args.KeyIDs, r.Name),
			Settings:           settings(false),
			// Promoted by the failover job, a replica has no master any more
			// and keeps the backups the job gave it: a later `pulumi up`
			// (with --refresh) must neither make it a replica again nor take
			// the backups away (backup_configuration is an optional block,
			// not computed, in the provider's schema).
		}, child, pulumi.Provider(r.Provider), pulumi.Protect(args.Protect), pulumi.IgnoreChanges([]string{"masterInstanceName", "replicaConfiguration", "settings.backupConfiguration"}))
		if err != nil {
			return err
		}
		g.hosts[r.Name] = replica.PrivateIpAddress
		g.replicas[r.Name] = replica.Name
		g.caCerts = append(g.caCerts, serverCA(replica))
	}
	db, err := sql.NewDatabase(ctx, name+"-"+args.Name, &sql.DatabaseArgs{
		Instance: writer.Name, Name: pulumi.String(args.Name),
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return err
	}
	password, err := random.NewRandomPassword(ctx, name+"-admin-password", &random.RandomPasswordArgs{
		Length: pulumi.Int(40), Special: pulumi.Bool(false),
	}, child, pulumi.Provider(args.RandomProvider))
	if err != nil {
		return err
	}
	admin, err := sql.NewUser(ctx, name+"-admin", &sql.UserArgs{
		Instance: writer.Name, Name: pulumi.String(CloudSQLAdmin), Password: password.Result,
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return err
	}
	var replicas secretmanager.SecretReplicationUserManagedReplicaArray
	for _, r := range args.Regions {
		replicas = append(replicas, &secretmanager.SecretReplicationUserManagedReplicaArgs{Location: pulumi.String(r.Name)})
	}
	secret, err := secretmanager.NewSecret(ctx, name+"-admin", &secretmanager.SecretArgs{
		SecretId: pulumi.String(resourceName(name+"-admin", 255)),
		// A copy in every region: the credentials survive the loss of any one.
		Replication: &secretmanager.SecretReplicationArgs{
			UserManaged: &secretmanager.SecretReplicationUserManagedArgs{Replicas: replicas},
		},
	}, child, pulumi.Provider(primary.Provider), pulumi.Protect(args.Protect))
	if err != nil {
		return err
	}
	version, err := secretmanager.NewSecretVersion(ctx, name+"-admin", &secretmanager.SecretVersionArgs{
		Secret: secret.ID(), SecretData: password.Result,
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return err
	}
	g.AdminSecret, g.Admin = secret.SecretId, []pulumi.Resource{admin, version}
	// The writer's stable name, in a private zone of the stack's network
	// (Cloud Run resolves it through Direct VPC egress): the failover
	// workflow moves the record to the promoted replica, so the record's
	// address is left to it after creation.
	zoneDNS := names.DNSLabel(name, 63) + ".internal."
	zone, err := dns.NewManagedZone(ctx, name+"-writer", &dns.ManagedZoneArgs{
		Name:        pulumi.String(resourceName(name+"-writer", 63)),
		DnsName:     pulumi.String(zoneDNS),
		Description: pulumi.String("mobile-backend: the Cloud SQL writer's stable name"),
		Visibility:  pulumi.String("private"),
		PrivateVisibilityConfig: &dns.ManagedZonePrivateVisibilityConfigArgs{Networks: dns.ManagedZonePrivateVisibilityConfigNetworkArray{
			&dns.ManagedZonePrivateVisibilityConfigNetworkArgs{NetworkUrl: args.NetworkID},
		}},
	}, child, pulumi.Provider(primary.Provider))
	if err != nil {
		return err
	}
	record, err := dns.NewRecordSet(ctx, name+"-writer", &dns.RecordSetArgs{
		ManagedZone: zone.Name, Name: pulumi.String("writer." + zoneDNS), Type: pulumi.String("A"),
		Ttl: pulumi.Int(WriterTTL), Rrdatas: pulumi.StringArray{writer.PrivateIpAddress},
	}, child, pulumi.Provider(primary.Provider), pulumi.IgnoreChanges([]string{"rrdatas"}))
	if err != nil {
		return err
	}
	g.WriterZone, g.WriterRecord = zone.Name, record.Name
	g.WriterHost = "writer." + strings.TrimSuffix(zoneDNS, ".")
	// Each region reads through a name of its own: after a promotion the
	// replicas of the other regions still follow the old primary (Cloud
	// SQL re-points no replica), so the failover job moves their names to
	// the new writer, and no region reads stale data, until they are
	// re-created (README, failback).
	g.readers = map[string]pulumi.StringOutput{}
	for _, r := range args.Regions {
		rec, err := dns.NewRecordSet(ctx, name+"-reader-"+r.Name, &dns.RecordSetArgs{
			ManagedZone: zone.Name, Name: pulumi.String(ReaderHost(r.Name, zoneDNS)), Type: pulumi.String("A"),
			Ttl: pulumi.Int(WriterTTL), Rrdatas: pulumi.StringArray{g.hosts[r.Name]},
		}, child, pulumi.Provider(primary.Provider), pulumi.IgnoreChanges([]string{"rrdatas"}))
		if err != nil {
			return err
		}
		g.readers[r.Name] = rec.Name
	}
	g.Instance = writer.Name
	g.Database = db.Name
	return nil
}

// ReaderHost is a region's reader record in the writer's zone (zoneDNS
// with its dot): reader-<region>.<zone>.
func ReaderHost(region, zoneDNS string) string { return "reader-" + region + "." + zoneDNS }

// ReaderRecord is a region's reader record's name (with its dot).
func (g *GlobalDatabase) ReaderRecord(region string) pulumi.StringOutput { return g.readers[region] }

// Replica is a region's Cloud SQL instance name and private address.
func (g *GlobalDatabase) Replica(region string) (instance, address pulumi.StringOutput) {
	return g.replicas[region], g.hosts[region]
}

// Environment is what a region's service needs to reach the database.
func (g *GlobalDatabase) Environment(region, project string) pulumi.StringMap {
	if g.Engine == components.EngineSpanner {
		return pulumi.StringMap{"SPANNER_INSTANCE": g.Instance, "SPANNER_DATABASE": g.Database, "GOOGLE_CLOUD_PROJECT": pulumi.String(project)}
	}
	return pulumi.StringMap{
		"DB_WRITER_HOST": pulumi.String(g.WriterHost), "DB_READER_HOST": g.readers[region].ApplyT(func(n string) string { return strings.TrimSuffix(n, ".") }).(pulumi.StringOutput),
		"DB_NAME": g.Database, "DB_IAM_AUTH": pulumi.String("true"),
	}
}

// Writer is where writes go: the Cloud SQL writer's stable name, or the
// Spanner database's resource path (Spanner has no host of its own).
func (g *GlobalDatabase) Writer(project string) pulumi.StringOutput {
	if g.Engine == components.EngineSpanner {
		return pulumi.Sprintf("projects/%s/instances/%s/databases/%s", project, g.Instance, g.Database)
	}
	return pulumi.String(g.WriterHost).ToStringOutput()
}

// Reader is where a region reads from: its Cloud SQL replica's (or the
// primary's) private address, or the Spanner database, which every replica
// of the configuration serves.
func (g *GlobalDatabase) Reader(region, project string) pulumi.StringOutput {
	if g.Engine == components.EngineSpanner {
		return g.Writer(project)
	}
	return g.hosts[region]
}

// GrantTo lets a region's service account use the database: Spanner's
// database user role on the database, or Cloud SQL's client and instance
// user roles with an IAM database user of its own. It returns the Cloud SQL
// user's name (DB_USER; with Spanner, the account's e-mail) and the grants,
// for the service to start after.
func (g *GlobalDatabase) GrantTo(ctx *pulumi.Context, name, project string, email pulumi.StringOutput) (pulumi.StringOutput, []pulumi.Resource, error) {
	member := pulumi.Sprintf("serviceAccount:%s", email)
	child := pulumi.Parent(g)
	if g.Engine == components.EngineSpanner {
		m, err := spanner.NewDatabaseIAMMember(ctx, name, &spanner.DatabaseIAMMemberArgs{
			Instance: g.Instance, Database: g.Database, Role: pulumi.String("roles/spanner.databaseUser"), Member: member,
		}, child)
		return email, []pulumi.Resource{m}, err
	}
	var grants []pulumi.Resource
	// Cloud SQL takes IAM on the project only: the condition narrows both
	// roles to this stack's instances (any of them may be the writer after
	// a promotion), in the form Cloud SQL's documentation gives ("IAM
	// Conditions": resource.name == 'projects/P/instances/NAME' &&
	// resource.type == 'sqladmin.googleapis.com/Instance').
	var names pulumi.StringArray
	for _, n := range slices.Sorted(maps.Keys(g.replicas)) {
		names = append(names, g.replicas[n])
	}
	instances := names.ToStringArrayOutput().ApplyT(func(v []string) string {
		clauses := make([]string, len(v))
		for i, n := range v {
			clauses[i] = fmt.Sprintf(`resource.name == "projects/%s/instances/%s"`, project, n)
		}
		return `resource.type == "sqladmin.googleapis.com/Instance" && (` + strings.Join(clauses, " || ") + ")"
	}).(pulumi.StringOutput)
	for _, role := range []string{"roles/cloudsql.client", "roles/cloudsql.instanceUser"} {
		m, err := projects.NewIAMMember(ctx, name+"-"+strings.TrimPrefix(role, "roles/cloudsql."), &projects.IAMMemberArgs{
			Project: pulumi.String(project), Role: pulumi.String(role), Member: member,
			Condition: &projects.IAMMemberConditionArgs{
				Title:      pulumi.String("this-stacks-instances"),
				Expression: instances,
			},
		}, child)
		if err != nil {
			return pulumi.StringOutput{}, nil, err
		}
		grants = append(grants, m)
	}
	// Cloud SQL names an IAM service-account user without ".gserviceaccount.com".
	user := email.ApplyT(func(e string) string { return strings.TrimSuffix(e, ".gserviceaccount.com") }).(pulumi.StringOutput)
	u, err := sql.NewUser(ctx, name, &sql.UserArgs{
		Instance: g.Instance, Name: user, Type: pulumi.String("CLOUD_IAM_SERVICE_ACCOUNT"),
	}, child)
	if err != nil {
		return pulumi.StringOutput{}, nil, err
	}
	return u.Name, append(grants, u), nil
}

// ServerCACerts are the Cloud SQL instances' server CAs, PEM, one after the
// other: each instance has a CA of its own (serverCaMode's default,
// GOOGLE_MANAGED_INTERNAL_CA), so a client that verifies the writer's
// certificate after a promotion needs the replicas' too. Empty with Spanner.
func (g *GlobalDatabase) ServerCACerts() pulumi.StringOutput {
	var certs pulumi.StringArray
	for _, c := range g.caCerts {
		certs = append(certs, c)
	}
	return certs.ToStringArrayOutput().ApplyT(func(v []string) string {
		var b strings.Builder
		for _, c := range v {
			b.WriteString(strings.TrimSpace(c) + "\n")
		}
		return b.String()
	}).(pulumi.StringOutput)
}

// serverCA is an instance's current server CA certificate (the first of
// serverCaCerts).
func serverCA(i *sql.DatabaseInstance) pulumi.StringOutput {
	return i.ServerCaCerts.Index(pulumi.Int(0)).Cert().Elem()
}

// ReplicaInstance is the Cloud SQL instance serving a region (for alerts).
func (g *GlobalDatabase) ReplicaInstance(region string) pulumi.StringOutput {
	return g.replicas[region]
}

// keyOf is the key of a location, or nil (Google-managed encryption).
func keyOf(keys map[string]pulumi.StringOutput, location string) pulumi.StringPtrInput {
	if k, ok := keys[location]; ok && location != "" {
		return k
	}
	return nil
}

func spannerEncryption(keys map[string]pulumi.StringOutput, location string) spanner.DatabaseEncryptionConfigPtrInput {
	if k := keyOf(keys, location); k != nil {
		return &spanner.DatabaseEncryptionConfigArgs{KmsKeyName: keys[location]}
	}
	return nil
}

func backupLocation(l string) pulumi.StringPtrInput {
	if l == "" {
		return nil
	}
	return pulumi.String(l)
}
