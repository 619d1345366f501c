package aws

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// PostgresPort is the port of every Aurora PostgreSQL cluster.
const PostgresPort = 5432

// MasterUsername is the database's administrative user. Applications should
// connect as their own user with IAM authentication (see AppDatabaseUser).
const MasterUsername = "mobile_admin"

// AppDatabaseUser is the database user the tasks may connect as with IAM
// authentication (rds-db:connect); DatabaseUsers makes it.
const AppDatabaseUser = "app"

// GlobalDatabaseArgs configures a GlobalDatabase. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type GlobalDatabaseArgs struct {
	Regions  []Region            // required: the first (the home region) creates the global database; the writer is the region whose Role is Primary
	Topology components.Topology // active-active turns on write forwarding in the secondaries
	Account  string              // required: for the IAM authentication resource ARNs
	// RandomProvider generates the master password (explicit, like every provider).
	RandomProvider pulumi.ProviderResource

	EngineVersion       string // Aurora PostgreSQL version, e.g. 16.6
	InstanceClass       string
	Instances           int // per region
	BackupRetentionDays int
	DatabaseName        string
	Protect             bool // Pulumi protect on the global cluster, the clusters and the secret
}

// GlobalDatabase is an Aurora PostgreSQL Global Database: a writer cluster in
// the primary region and a read-only secondary in every other region, each in
// its region's private subnets and encrypted with its region's key. The
// master password is generated, kept secret end to end, and stored in Secrets
// Manager with a replica in every region.
type GlobalDatabase struct {
	pulumi.ResourceState

	GlobalClusterID  pulumi.StringOutput `pulumi:"globalClusterId"`
	GlobalClusterArn pulumi.StringOutput `pulumi:"globalClusterArn"`
	// WriterEndpoint is the global writer endpoint: it follows the writer
	// through a managed switchover or failover.
	WriterEndpoint pulumi.StringOutput `pulumi:"writerEndpoint"`
	// ReaderEndpoints and ClusterIDs map each region to its cluster's reader
	// endpoint and identifier; SecretArns to the master credentials' copy
	// there (for operators: break-glass access from any region).
	ReaderEndpoints pulumi.StringMapOutput `pulumi:"readerEndpoints"`
	ClusterIDs      pulumi.StringMapOutput `pulumi:"clusterIds"`
	SecretArns      pulumi.StringMapOutput `pulumi:"secretArns"`

	clusterResourceIDs map[string]pulumi.StringOutput
	readers            map[string]pulumi.StringOutput
	writers            map[string]pulumi.StringOutput // each cluster's own (writer) endpoint
	// forwarding are the regions whose cluster forwards writes to the writer
	// (the secondaries of an active-active database).
	forwarding  map[string]bool
	secrets     map[string]pulumi.StringOutput
	clusterIDs  map[string]pulumi.StringOutput
	clusterArns map[string]pulumi.StringOutput
	// securityGroups, keys and instances are each region's cluster
	// security group, key and instances, for a job that signs in there
	// (DatabaseUsers).
	securityGroups map[string]pulumi.StringOutput
	keys           map[string]pulumi.StringInput
	instances      map[string][]pulumi.Resource
}

func (a *GlobalDatabaseArgs) defaults() error {
	if len(a.Regions) < 2 || a.Account == "" || a.RandomProvider == nil {
		return fmt.Errorf("at least two Regions, Account and RandomProvider are required")
	}
	components.Default(&a.EngineVersion, components.DefaultAuroraVersion)
	components.Default(&a.InstanceClass, components.DefaultAuroraInstanceClass)
	components.Default(&a.Instances, components.DefaultAuroraInstances)
	components.Default(&a.BackupRetentionDays, components.DefaultBackupRetentionDays)
	components.Default(&a.DatabaseName, components.DefaultDatabaseName)
	return nil
}

// NewGlobalDatabase builds the global database. Pass the global provider in
// opts; each region's resources use that region's provider.
func NewGlobalDatabase(ctx *pulumi.Context, name string, args GlobalDatabaseArgs, opts ...pulumi.ResourceOption) (*GlobalDatabase, error) {
	if err := args.defaults(); err != nil {
		return nil, fmt.Errorf("database %s: %w", name, err)
	}
	g := &GlobalDatabase{
		clusterResourceIDs: map[string]pulumi.StringOutput{},
		readers:            map[string]pulumi.StringOutput{},
		writers:            map[string]pulumi.StringOutput{},
		secrets:            map[string]pulumi.StringOutput{},
		securityGroups:     map[string]pulumi.StringOutput{},
		keys:               map[string]pulumi.StringInput{},
		instances:          map[string][]pulumi.Resource{},
		clusterIDs:         map[string]pulumi.StringOutput{},
		clusterArns:        map[string]pulumi.StringOutput{},
		forwarding:         map[string]bool{},
	}
	// A region other than the writer's writes through its own cluster in
	// active-active; the writer region writes to the global endpoint. This
	// follows the writer (Region.Role), the clusters do not.
	for _, r := range args.Regions {
		g.forwarding[r.Name] = forwards(args.Topology, r.Role)
	}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:GlobalDatabase", name, g, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(g)
	primary := args.Regions[0]
	inPrimary := pulumi.Provider(primary.Provider)
	major := strings.SplitN(args.EngineVersion, ".", 2)[0]

	password, err := random.NewRandomPassword(ctx, name+"-master-password", &random.RandomPasswordArgs{
		Length: pulumi.Int(40),
		// RDS refuses /, @, " and spaces in a master password; letters and
		// digits alone give 238 bits at this length.
		Special: pulumi.Bool(false),
	}, child, pulumi.Provider(args.RandomProvider))
	if err != nil {
		return nil, err
	}
	global, err := rds.NewGlobalCluster(ctx, name, &rds.GlobalClusterArgs{
		GlobalClusterIdentifier: pulumi.String(fit(name, 63)),
		Engine:                  pulumi.String("aurora-postgresql"),
		EngineVersion:           pulumi.String(args.EngineVersion),
		DatabaseName:            pulumi.String(args.DatabaseName),
		StorageEncrypted:        pulumi.Bool(true),
		DeletionProtection:      pulumi.Bool(true),
	}, child, inPrimary, pulumi.Protect(args.Protect),
		// Minor versions move in place (instances upgrade automatically, the
		// global cluster follows); a major upgrade is a global-cluster
		// operation (docs/aws.md). Either way the program must not try to go back.
		pulumi.IgnoreChanges([]string{"engineVersion"}))
	if err != nil {
		return nil, fmt.Errorf("database %s: global cluster: %w", name, err)
	}

	var primaryInstances []pulumi.Resource
	readers, clusterIDs := pulumi.StringMap{}, pulumi.StringMap{}
	for i, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		id := fit(fmt.Sprintf("%s-%s", name, r.Name), 63)

		// Only the tasks reach the database, only on its port; TLS is forced below.
		sg, err := ec2.NewSecurityGroup(ctx, id+"-sg", &ec2.SecurityGroupArgs{
			VpcId:       r.Network.VpcID,
			Description: pulumi.String("Aurora PostgreSQL: the API tasks only"),
			Tags:        nameTag(id + "-db"),
		}, child, in)
		if err != nil {
			return nil, err
		}
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, id+"-in-tasks", &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           sg.ID(),
			Description:               pulumi.String("PostgreSQL from the API tasks"),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(PostgresPort),
			ToPort:                    pulumi.Int(PostgresPort),
			ReferencedSecurityGroupId: r.Network.TaskSecurityGroupID,
		}, child, in); err != nil {
			return nil, err
		}
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, id+"-tasks-out", &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           r.Network.TaskSecurityGroupID,
			Description:               pulumi.String("API tasks to PostgreSQL"),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(PostgresPort),
			ToPort:                    pulumi.Int(PostgresPort),
			ReferencedSecurityGroupId: sg.ID(),
		}, child, in); err != nil {
			return nil, err
		}
		subnets, err := rds.NewSubnetGroup(ctx, id+"-subnets", &rds.SubnetGroupArgs{
			Description: pulumi.String("private subnets of " + r.Name),
			SubnetIds:   r.Network.PrivateSubnetIDs,
		}, child, in)
		if err != nil {
			return nil, err
		}
		params, err := rds.NewClusterParameterGroup(ctx, id+"-params", &rds.ClusterParameterGroupArgs{
			Family:      pulumi.String("aurora-postgresql" + major),
			Description: pulumi.String("mobile-backend: TLS only"),
			Parameters: rds.ClusterParameterGroupParameterArray{&rds.ClusterParameterGroupParameterArgs{
				Name: pulumi.String("rds.force_ssl"), Value: pulumi.String("1"),
			}},
		}, child, in)
		if err != nil {
			return nil, err
		}

		clusterArgs := &rds.ClusterArgs{
			ClusterIdentifier:                pulumi.String(id),
			GlobalClusterIdentifier:          global.ID(),
			Engine:                           global.Engine,
			EngineVersion:                    global.EngineVersion,
			DbSubnetGroupName:                subnets.Name,
			VpcSecurityGroupIds:              pulumi.StringArray{sg.ID()},
			DbClusterParameterGroupName:      params.Name,
			Port:                             pulumi.Int(PostgresPort),
			StorageEncrypted:                 pulumi.Bool(true),
			KmsKeyId:                         r.KeyArn,
			BackupRetentionPeriod:            pulumi.Int(args.BackupRetentionDays),
			PreferredBackupWindow:            pulumi.String("03:00-04:00"),
			CopyTagsToSnapshot:               pulumi.Bool(true),
			IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
			EnabledCloudwatchLogsExports:     pulumi.StringArray{pulumi.String("postgresql")},
			DeletionProtection:               pulumi.Bool(true),
			SkipFinalSnapshot:                pulumi.Bool(false),
			FinalSnapshotIdentifier:          pulumi.String(fit(id+"-final", 255)),
		}
		// AWS upgrades minor versions in place; a member that kept diffing
		// engineVersion would try to go back (rds.GlobalCluster's SDK doc:
		// "use ignoreChanges for engineVersion on the associated clusters").
		// After a switchover or failover AWS sets the replication source of
		// whichever member became a secondary, the first region's included
		// (Terraform aws_rds_cluster docs: a global cluster's member ignores
		// replication_source_identifier); the program must not fight it.
		ignored := []string{"engineVersion", "replicationSourceIdentifier"}
		clusterOpts := []pulumi.ResourceOption{child, in, pulumi.Protect(args.Protect)}
		// Every member of an active-active database may forward writes, so
		// that whichever cluster is demoted by a failover forwards at once:
		// "for the primary DB cluster ... this value is used immediately if
		// the primary is demoted by a global cluster API operation, but it
		// does nothing until then" (RDS API, ModifyDBCluster
		// EnableGlobalWriteForwarding). The input does not follow the writer.
		clusterArgs.EnableGlobalWriteForwarding = pulumi.Bool(args.Topology == components.ActiveActive)
		if i == 0 {
			clusterOpts = append(clusterOpts, pulumi.IgnoreChanges(ignored))
			clusterArgs.DatabaseName = pulumi.String(args.DatabaseName)
			clusterArgs.MasterUsername = pulumi.String(MasterUsername)
			clusterArgs.MasterPassword = password.Result
		} else {
			// Secondaries join once the first cluster has an instance.
			clusterOpts = append(clusterOpts, pulumi.DependsOn(primaryInstances),
				pulumi.IgnoreChanges(append(ignored, "globalClusterIdentifier")))
		}
		cluster, err := rds.NewCluster(ctx, id, clusterArgs, clusterOpts...)
		if err != nil {
			return nil, fmt.Errorf("database %s: cluster %s: %w", name, r.Name, err)
		}
		for n := 1; n <= args.Instances; n++ {
			inst, err := rds.NewClusterInstance(ctx, fmt.Sprintf("%s-%d", id, n), &rds.ClusterInstanceArgs{
				ClusterIdentifier:           cluster.ID(),
				Identifier:                  pulumi.String(fit(fmt.Sprintf("%s-%d", id, n), 63)),
				InstanceClass:               pulumi.String(args.InstanceClass),
				Engine:                      cluster.Engine,
				EngineVersion:               cluster.EngineVersion,
				DbSubnetGroupName:           subnets.Name,
				PubliclyAccessible:          pulumi.Bool(false),
				PerformanceInsightsEnabled:  pulumi.Bool(true),
				PerformanceInsightsKmsKeyId: r.KeyArn,
				AutoMinorVersionUpgrade:     pulumi.Bool(true),
				// RDS spreads a cluster's instances over the subnet group's zones.
				PromotionTier: pulumi.Int(n - 1),
			}, child, in, pulumi.IgnoreChanges([]string{"engineVersion"})) // follows the cluster's in-place upgrades
			if err != nil {
				return nil, err
			}
			if i == 0 {
				primaryInstances = append(primaryInstances, inst)
			}
			g.instances[r.Name] = append(g.instances[r.Name], inst)
		}
		g.readers[r.Name] = cluster.ReaderEndpoint
		g.writers[r.Name] = cluster.Endpoint
		g.securityGroups[r.Name], g.keys[r.Name] = sg.ID().ToStringOutput(), r.KeyArn
		g.clusterIDs[r.Name] = cluster.ClusterIdentifier
		g.clusterArns[r.Name] = cluster.Arn
		g.clusterResourceIDs[r.Name] = cluster.ClusterResourceId
		readers[r.Name] = cluster.ReaderEndpoint
		clusterIDs[r.Name] = cluster.ClusterIdentifier
	}

	// The credentials, in the primary region with a replica in every other
	// region, each encrypted with its own region's key.
	var replicas secretsmanager.SecretReplicaArray
	for _, r := range args.Regions[1:] {
		replicas = append(replicas, &secretsmanager.SecretReplicaArgs{Region: pulumi.String(r.Name), KmsKeyId: r.KeyArn})
	}
	secret, err := secretsmanager.NewSecret(ctx, name+"-master", &secretsmanager.SecretArgs{
		Description:          pulumi.String("mobile-backend: Aurora master credentials"),
		KmsKeyId:             primary.KeyArn,
		Replicas:             replicas,
		RecoveryWindowInDays: pulumi.Int(30),
	}, child, inPrimary, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, name+"-master", &secretsmanager.SecretVersionArgs{
		SecretId: secret.ID(),
		SecretString: pulumi.All(password.Result, global.Endpoint).ApplyT(func(v []any) (string, error) {
			b, err := json.Marshal(map[string]any{
				"engine": "postgres", "username": MasterUsername, "password": v[0],
				"host": v[1], "port": PostgresPort, "dbname": args.DatabaseName,
			})
			return string(b), err
		}).(pulumi.StringOutput),
	}, child, inPrimary); err != nil {
		return nil, err
	}
	secrets := pulumi.StringMap{}
	for _, r := range args.Regions {
		region := r.Name
		arn := secret.Arn.ApplyT(func(arn string) string { return replaceRegion(arn, region) }).(pulumi.StringOutput)
		g.secrets[region] = arn
		secrets[region] = arn
	}

	g.GlobalClusterID = global.ID().ToStringOutput()
	g.GlobalClusterArn = global.Arn
	g.WriterEndpoint = global.Endpoint
	g.ReaderEndpoints = readers.ToStringMapOutput()
	g.ClusterIDs = clusterIDs.ToStringMapOutput()
	g.SecretArns = secrets.ToStringMapOutput()
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{
		"globalClusterId": g.GlobalClusterID, "globalClusterArn": g.GlobalClusterArn, "writerEndpoint": g.WriterEndpoint,
		"readerEndpoints": g.ReaderEndpoints, "clusterIds": g.ClusterIDs, "secretArns": g.SecretArns,
	})
}

// Environment is what the tasks of a region need to reach the database: the
// global writer endpoint and the local reader endpoint. The tasks connect as
// AppDatabaseUser with IAM authentication; they never see the master secret.
func (g *GlobalDatabase) Environment(region, database string) pulumi.StringMap {
	return g.environment(region, database, g.forwarding[region])
}

// forwards: a secondary of an active-active database forwards its writes.
func forwards(t components.Topology, role components.Role) bool {
	return t == components.ActiveActive && role != components.Primary
}

// EnvironmentWithRole is Environment for a region in the role it was
// deployed with (a region in regionsDown keeps its tasks as they are).
func (g *GlobalDatabase) EnvironmentWithRole(region, database string, t components.Topology, role components.Role) pulumi.StringMap {
	return g.environment(region, database, forwards(t, role))
}

// environment is Environment with the region forwarding its writes or not.
func (g *GlobalDatabase) environment(region, database string, forwarding bool) pulumi.StringMap {
	// The global writer endpoint resolves to private addresses in the
	// writer's network, which no other region's tasks can reach. A secondary
	// of an active-active database forwards writes instead: "write forwarding
	// applies to sessions connected to the secondary cluster" (Aurora User
	// Guide, "Using write forwarding in an Aurora PostgreSQL global
	// database"), in the SESSION consistency mode by default
	// (apg_write_forward.consistency_mode). So its tasks write through their
	// own cluster's reader endpoint, reachable in their network and covered
	// by their rds-db:connect grant.
	writer, forwards := pulumi.StringInput(g.WriterEndpoint), "false"
	if forwarding {
		writer, forwards = g.readers[region], "true"
	}
	return pulumi.StringMap{
		"DB_WRITER_HOST": writer,
		// The region's own cluster endpoint: read-only while the cluster is
		// a secondary ("you can still connect to the cluster endpoint, but
		// only for read queries", Aurora User Guide, "Connecting to an
		// Aurora global database"), the writer once a failover promotes it,
		// when forwarding through the reader endpoint answers read-only
		// (SQLSTATE 25006) until pulumi up moves writerRegion. Client rule:
		// on 25006 from DB_WRITER_HOST, write to DB_LOCAL_WRITER_HOST.
		"DB_LOCAL_WRITER_HOST": g.writers[region],
		"DB_WRITE_FORWARDING":  pulumi.String(forwards),
		"DB_READER_HOST":       g.readers[region],
		"DB_PORT":              pulumi.String(fmt.Sprint(PostgresPort)),
		"DB_NAME":              pulumi.String(database),
		"DB_USER":              pulumi.String(AppDatabaseUser),
		"DB_IAM_AUTH":          pulumi.String("true"),
	}
}

// ClusterID is the identifier of a region's cluster (for alarms).
func (g *GlobalDatabase) ClusterID(region string) pulumi.StringOutput { return g.clusterIDs[region] }

// ClusterArn is a region's cluster ARN.
func (g *GlobalDatabase) ClusterArn(region string) pulumi.StringOutput { return g.clusterArns[region] }

// TaskStatements are the permissions a region's tasks need: connect as
// AppDatabaseUser with IAM authentication to the region's cluster (reads
// locally; writes go to the writer, or are forwarded by the local cluster).
func (g *GlobalDatabase) TaskStatements(region, account string) pulumi.Output {
	return g.clusterResourceIDs[region].ApplyT(func(id string) []Statement {
		return []Statement{{Sid: "ConnectWithIAM", Effect: "Allow", Action: []string{"rds-db:connect"},
			Resource: []string{fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/%s", region, account, id, AppDatabaseUser)}}}
	})
}

// replaceRegion rewrites the region field of an ARN.
func replaceRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}
