package azure

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/sql/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// SQLPrivateZone is the private DNS zone of Azure SQL private endpoints.
const SQLPrivateZone = "privatelink.database.windows.net"

// SQLAdmin is the Microsoft Entra principal that administers the servers.
type SQLAdmin struct {
	Login, TenantID, PrincipalType string
	ObjectID                       pulumi.StringInput // its SID: a user's or group's object id, an application's client id
}

// GlobalDatabaseArgs configures a GlobalDatabase. Zero values take the
// defaults of package components (DefaultWorkload, DefaultHealthCheck,
// DefaultLogRetentionDays, ...), which the mobile-backend config keys share.
type GlobalDatabaseArgs struct {
	Regions      []Region // required, in stack order: the primary holds the writable database
	Stack        string   // required
	Subscription string   // required: makes server names unique
	Admin        SQLAdmin // required
	Name         string
	Sku          string
	// BackupRetentionDays is the point-in-time restore window (1-35).
	BackupRetentionDays int
	GraceMinutes        int
	// ManualFailover puts the failover group on the Manual policy: no
	// automatic failover at all, a person decides (failoverAutomation notify).
	ManualFailover bool
	// LongTermRetentionWeeks keeps a weekly full backup of the primary
	// database this many weeks, in geo-redundant (paired-region) storage,
	// set on every member so that a promoted secondary keeps taking them;
	// zero keeps none.
	LongTermRetentionWeeks int
	// Keys, when set, encrypt every server's databases (TDE) with the
	// region's customer-managed key; each server also holds the other
	// regions' keys, so geo-secondaries can be seeded and fail over.
	Keys    *EncryptionKeys
	Tags    pulumi.StringMap
	Protect bool
}

// GlobalDatabase is Azure SQL across regions: a logical server per region
// (Microsoft Entra-only authentication, TLS 1.2, public network access off,
// reached through private endpoints), the database on the primary (zone
// redundant where the region has zones, geo-redundant backups, PITR), a
// geo-secondary in every other region, and an auto-failover group with the
// second region whose listeners follow the writer.
type GlobalDatabase struct {
	pulumi.ResourceState

	// ReadWriteEndpoint and ReadOnlyEndpoint are the failover group's
	// listeners: they always name the current primary and secondary.
	ReadWriteEndpoint pulumi.StringOutput `pulumi:"readWriteEndpoint"`
	ReadOnlyEndpoint  pulumi.StringOutput `pulumi:"readOnlyEndpoint"`
	FailoverGroupName pulumi.StringOutput `pulumi:"failoverGroupName"`
	PrimaryDatabaseID pulumi.StringOutput `pulumi:"primaryDatabaseId"`

	// DatabaseIDs are every region's database: the primary and the geo-secondaries.
	DatabaseIDs []pulumi.StringInput

	serverFQDN map[string]pulumi.StringOutput
	servers    map[string]*sql.Server
	groupPair  [2]string       // the regions whose servers the failover group pairs
	name       string          // the database's name
	inGroup    map[string]bool // the regions whose servers the failover group pairs
}

// ServerName is a region's logical server name: globally unique, lowercase,
// at most 63 characters.
func ServerName(stack, region, subscription string) string {
	return resourceName(fmt.Sprintf("%s-%s-sql-%s", stack, region, shortHash(subscription)), 63)
}

// FailoverGroupName is the failover group's name, which is also the DNS name
// of its listeners.
func FailoverGroupName(stack, subscription string) string {
	return resourceName(fmt.Sprintf("%s-fog-%s", stack, shortHash(subscription)), 63)
}

// MaxGeoSecondaries is how many geo-secondaries an Azure SQL database may
// have: every region but the primary holds one ("up to four geo-secondaries",
// learn.microsoft.com/azure/azure-sql/database/active-geo-replication-overview),
// so a GlobalDatabase spans at most five regions.
const MaxGeoSecondaries = 4

// NewGlobalDatabase builds the servers, databases and failover group. Pass
// the global provider in opts.
func NewGlobalDatabase(ctx *pulumi.Context, name string, args GlobalDatabaseArgs, opts ...pulumi.ResourceOption) (*GlobalDatabase, error) {
	if len(args.Regions) < 2 || args.Stack == "" || args.Subscription == "" || args.Admin.ObjectID == nil {
		return nil, fmt.Errorf("database %s: two Regions, Stack, Subscription and Admin are required", name)
	}
	if n := len(args.Regions) - 1; n > MaxGeoSecondaries {
		return nil, fmt.Errorf("database %s: %d secondary regions: an Azure SQL database has at most %d geo-secondaries", name, n, MaxGeoSecondaries)
	}
	for _, r := range args.Regions {
		if r.Network == nil {
			return nil, fmt.Errorf("database %s: region %s has no Network for its private endpoints", name, r.Name)
		}
	}
	components.Default(&args.Name, components.DefaultDatabaseName)
	g := &GlobalDatabase{serverFQDN: map[string]pulumi.StringOutput{}, name: args.Name,
		groupPair: [2]string{args.Regions[0].Name, args.Regions[1].Name},
		// The failover group pairs the first two regions.
		inGroup: map[string]bool{args.Regions[0].Name: true, args.Regions[1].Name: true}}
	if err := ctx.RegisterComponentResource("mobile-backend:azure:GlobalDatabase", name, g, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.Name, components.DefaultDatabaseName)
	components.Default(&args.Sku, components.DefaultAzureSQLSku)
	components.Default(&args.BackupRetentionDays, components.DefaultBackupRetentionDays)
	components.Default(&args.GraceMinutes, components.DefaultFailoverGraceMinutes)
	components.Default(&args.Admin.PrincipalType, "Group")
	child := pulumi.Parent(g)

	servers := map[string]*sql.Server{}
	for _, r := range args.Regions {
		identity := &sql.ResourceIdentityArgs{Type: pulumi.String("SystemAssigned")}
		var keyID, primaryIdentity pulumi.StringPtrInput
		serverOpts := []pulumi.ResourceOption{child, pulumi.Provider(r.Provider), pulumi.Protect(args.Protect)}
		if args.Keys != nil {
			rk := args.Keys.Region(r.Name)
			identity = &sql.ResourceIdentityArgs{Type: pulumi.String("SystemAssigned,UserAssigned"), UserAssignedIdentities: pulumi.StringArray{rk.IdentityID}}
			keyID, primaryIdentity = rk.KeyVersion, rk.IdentityID
			serverOpts = append(serverOpts, pulumi.DependsOn(args.Keys.Ready))
		}
		srv, err := sql.NewServer(ctx, fmt.Sprintf("%s-%s", name, r.Name), &sql.ServerArgs{
			ServerName:          pulumi.String(ServerName(args.Stack, r.Name, args.Subscription)),
			ResourceGroupName:   r.ResourceGroup,
			Location:            pulumi.String(r.Name),
			Version:             pulumi.String("12.0"),
			MinimalTlsVersion:   pulumi.String("1.2"),
			PublicNetworkAccess: pulumi.String("Disabled"),
			Identity:            identity,
			// TDE protector: the region's key (the version in use; Key Vault
			// keeps older versions for what they encrypted).
			KeyId:                         keyID,
			PrimaryUserAssignedIdentityId: primaryIdentity,
			Administrators: &sql.ServerExternalAdministratorArgs{
				AdministratorType:         pulumi.String("ActiveDirectory"),
				AzureADOnlyAuthentication: pulumi.Bool(true),
				Login:                     pulumi.String(args.Admin.Login),
				Sid:                       args.Admin.ObjectID,
				TenantId:                  pulumi.String(args.Admin.TenantID),
				PrincipalType:             pulumi.String(args.Admin.PrincipalType),
			},
			Tags: args.Tags,
		}, serverOpts...)
		if err != nil {
			return nil, fmt.Errorf("database %s: server %s: %w", name, r.Name, err)
		}
		servers[r.Name] = srv
		g.serverFQDN[r.Name] = srv.FullyQualifiedDomainName
	}

	var serverKeys []pulumi.Resource
	if args.Keys != nil {
		for _, r := range args.Regions {
			for _, other := range args.Regions {
				if other.Name == r.Name {
					continue
				}
				uri := args.Keys.Region(other.Name).KeyVersion
				sk, err := sql.NewServerKey(ctx, fmt.Sprintf("%s-%s-key-%s", name, r.Name, other.Name), &sql.ServerKeyArgs{
					ServerName: servers[r.Name].Name, ResourceGroupName: r.ResourceGroup,
					ServerKeyType: pulumi.String("AzureKeyVault"), Uri: uri, KeyName: uri.ApplyT(ServerKeyName).(pulumi.StringOutput),
				}, child, pulumi.Provider(r.Provider))
				if err != nil {
					return nil, err
				}
				serverKeys = append(serverKeys, sk)
			}
		}
	}

	primary := args.Regions[0]
	zoneRedundant := func(region string) pulumi.BoolInput { return pulumi.Bool(spec.AzureHasZones(region)) }
	db, err := sql.NewDatabase(ctx, fmt.Sprintf("%s-%s-%s", name, primary.Name, args.Name), &sql.DatabaseArgs{
		DatabaseName:                     pulumi.String(args.Name),
		ServerName:                       servers[primary.Name].Name,
		ResourceGroupName:                primary.ResourceGroup,
		Location:                         pulumi.String(primary.Name),
		Sku:                              &sql.SkuArgs{Name: pulumi.String(args.Sku)},
		ZoneRedundant:                    zoneRedundant(primary.Name),
		RequestedBackupStorageRedundancy: pulumi.String("Geo"),
		Tags:                             args.Tags,
	}, child, pulumi.Provider(primary.Provider), pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	g.DatabaseIDs = append(g.DatabaseIDs, db.ID())
	if _, err := sql.NewBackupShortTermRetentionPolicy(ctx, fmt.Sprintf("%s-%s-pitr", name, primary.Name), &sql.BackupShortTermRetentionPolicyArgs{
		ServerName: servers[primary.Name].Name, DatabaseName: db.Name, ResourceGroupName: primary.ResourceGroup,
		PolicyName:                pulumi.String("default"),
		RetentionDays:             pulumi.Int(args.BackupRetentionDays),
		DiffBackupIntervalInHours: pulumi.Int(12),
	}, child, pulumi.Provider(primary.Provider)); err != nil {
		return nil, err
	}
	// The same long-term retention on every member: a geo-secondary takes
	// no backups until it becomes the primary, and then keeps taking them
	// ("Long-term retention", Geo-replication and long-term backup
	// retention: configure the same LTR policy on the secondary).
	ltr := func(r Region, database *sql.Database) error {
		if args.LongTermRetentionWeeks <= 0 {
			return nil
		}
		_, err := sql.NewLongTermRetentionPolicy(ctx, fmt.Sprintf("%s-%s-ltr", name, r.Name), &sql.LongTermRetentionPolicyArgs{
			ServerName: servers[r.Name].Name, DatabaseName: database.Name, ResourceGroupName: r.ResourceGroup,
			PolicyName:      pulumi.String("default"),
			WeeklyRetention: pulumi.String(fmt.Sprintf("P%dW", args.LongTermRetentionWeeks)),
		}, child, pulumi.Provider(r.Provider))
		return err
	}
	if err := ltr(primary, db); err != nil {
		return nil, err
	}
	var secondaryOfGroup pulumi.Resource
	for i, r := range args.Regions[1:] {
		sec, err := sql.NewDatabase(ctx, fmt.Sprintf("%s-%s-%s", name, r.Name, args.Name), &sql.DatabaseArgs{
			DatabaseName:      pulumi.String(args.Name),
			ServerName:        servers[r.Name].Name,
			ResourceGroupName: r.ResourceGroup,
			Location:          pulumi.String(r.Name),
			CreateMode:        pulumi.String("Secondary"),
			SecondaryType:     pulumi.String("Geo"),
			SourceDatabaseId:  db.ID(),
			Sku:               &sql.SkuArgs{Name: pulumi.String(args.Sku)},
			ZoneRedundant:     zoneRedundant(r.Name),
			Tags:              args.Tags,
		}, child, pulumi.Provider(r.Provider), pulumi.Protect(args.Protect), pulumi.DependsOn(serverKeys))
		if err != nil {
			return nil, err
		}
		g.DatabaseIDs = append(g.DatabaseIDs, sec.ID())
		if err := ltr(r, sec); err != nil {
			return nil, err
		}
		if i == 0 {
			secondaryOfGroup = sec
		}
	}
	// A failover group pairs two servers: the primary and the second region.
	// Manual: only a person fails it over (a grace period is refused then).
	readWrite := &sql.FailoverGroupReadWriteEndpointArgs{
		FailoverPolicy:                         pulumi.String("Automatic"),
		FailoverWithDataLossGracePeriodMinutes: pulumi.Int(args.GraceMinutes),
	}
	if args.ManualFailover {
		readWrite = &sql.FailoverGroupReadWriteEndpointArgs{FailoverPolicy: pulumi.String("Manual")}
	}
	fogName := FailoverGroupName(args.Stack, args.Subscription)
	fog, err := sql.NewFailoverGroup(ctx, name+"-fog", &sql.FailoverGroupArgs{
		FailoverGroupName: pulumi.String(fogName),
		ServerName:        servers[primary.Name].Name,
		ResourceGroupName: primary.ResourceGroup,
		PartnerServers:    sql.PartnerInfoArray{&sql.PartnerInfoArgs{Id: servers[args.Regions[1].Name].ID()}},
		ReadWriteEndpoint: readWrite,
		ReadOnlyEndpoint:  &sql.FailoverGroupReadOnlyEndpointArgs{FailoverPolicy: pulumi.String("Enabled")},
		Databases:         pulumi.StringArray{db.ID()},
		Tags:              args.Tags,
	}, child, pulumi.Provider(primary.Provider), pulumi.DependsOn([]pulumi.Resource{secondaryOfGroup}))
	if err != nil {
		return nil, err
	}

	// Private connectivity: in every region, a private DNS zone linked to
	// the region's network and private endpoints for the region's own server
	// and the failover group's two servers (the listeners resolve to them).
	for _, r := range args.Regions {
		in := pulumi.Provider(r.Provider)
		zone, err := network.NewPrivateZone(ctx, fmt.Sprintf("%s-%s-dns", name, r.Name), &network.PrivateZoneArgs{
			PrivateZoneName: pulumi.String(SQLPrivateZone), ResourceGroupName: r.ResourceGroup,
			Location: pulumi.String("Global"), Tags: args.Tags,
		}, child, in)
		if err != nil {
			return nil, err
		}
		if _, err := network.NewVirtualNetworkLink(ctx, fmt.Sprintf("%s-%s-dns-link", name, r.Name), &network.VirtualNetworkLinkArgs{
			PrivateZoneName: zone.Name, ResourceGroupName: r.ResourceGroup, Location: pulumi.String("Global"),
			VirtualNetwork:      &network.SubResourceArgs{Id: r.Network.VirtualNetworkID},
			RegistrationEnabled: pulumi.Bool(false),
		}, child, in); err != nil {
			return nil, err
		}
		for _, target := range uniq(r.Name, primary.Name, args.Regions[1].Name) {
			peName := resourceName(fmt.Sprintf("%s-%s-to-%s", name, r.Name, target), 80)
			pe, err := network.NewPrivateEndpoint(ctx, peName, &network.PrivateEndpointArgs{
				PrivateEndpointName: pulumi.String(peName), ResourceGroupName: r.ResourceGroup, Location: pulumi.String(r.Name),
				Subnet: &network.SubnetTypeArgs{Id: r.Network.EndpointsSubnetID},
				PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
					Name: pulumi.String(peName), PrivateLinkServiceId: servers[target].ID(), GroupIds: pulumi.StringArray{pulumi.String("sqlServer")},
				}},
				Tags: args.Tags,
			}, child, in)
			if err != nil {
				return nil, err
			}
			if _, err := network.NewPrivateDnsZoneGroup(ctx, peName, &network.PrivateDnsZoneGroupArgs{
				PrivateDnsZoneGroupName: pulumi.String("default"), PrivateEndpointName: pe.Name, ResourceGroupName: r.ResourceGroup,
				PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{&network.PrivateDnsZoneConfigArgs{
					Name: pulumi.String("sql"), PrivateDnsZoneId: zone.ID(),
				}},
			}, child, in); err != nil {
				return nil, err
			}
		}
	}

	// The listeners' names come from the group's name (Azure SQL documents
	// <group>.database.windows.net and <group>.secondary...); built from the
	// output, so whatever uses them waits for the group.
	g.ReadWriteEndpoint = pulumi.Sprintf("%s.database.windows.net", fog.Name)
	g.ReadOnlyEndpoint = pulumi.Sprintf("%s.secondary.database.windows.net", fog.Name)
	g.FailoverGroupName = fog.Name
	g.PrimaryDatabaseID = db.ID().ToStringOutput()
	g.servers = servers
	return g, ctx.RegisterResourceOutputs(g, pulumi.Map{
		"readWriteEndpoint": g.ReadWriteEndpoint, "readOnlyEndpoint": g.ReadOnlyEndpoint,
		"failoverGroupName": g.FailoverGroupName, "primaryDatabaseId": g.PrimaryDatabaseID,
	})
}

// Server is a region's logical server: its name and resource id.
func (g *GlobalDatabase) Server(region string) (name pulumi.StringOutput, id pulumi.IDOutput) {
	return g.servers[region].Name, g.servers[region].ID()
}

// ServerFQDN is a region's server's host name as Azure returns it: inside
// the stack's networks it resolves to a private endpoint (SQLPrivateZone).
func (g *GlobalDatabase) ServerFQDN(region string) pulumi.StringOutput {
	return g.servers[region].FullyQualifiedDomainName
}

// Partner is the failover group's other member than region ("" when
// region is not in the group): where the group fails over to.
func (g *GlobalDatabase) Partner(region string) string {
	switch region {
	case g.groupPair[0]:
		return g.groupPair[1]
	case g.groupPair[1]:
		return g.groupPair[0]
	}
	return ""
}

// Environment is what a region's app needs: the failover group's listeners
// for writes and for reads, or the region's own server for local reads in
// regions outside the group. Apps authenticate with their managed identity.
func (g *GlobalDatabase) Environment(region string) pulumi.StringMap {
	reader := g.ReadOnlyEndpoint
	if !g.inGroup[region] {
		reader = g.serverFQDN[region]
	}
	return pulumi.StringMap{
		"DB_WRITER_HOST": g.ReadWriteEndpoint, "DB_READER_HOST": reader,
		"DB_NAME": pulumi.String(g.name), "DB_AUTH": pulumi.String("ActiveDirectoryManagedIdentity"),
	}
}

func uniq(items ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range items {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ServerKeyName is the name Azure SQL requires for a Key Vault key:
// "<vault>_<key>_<version>" from "https://<vault>.vault.azure.net/keys/<key>/<version>".
func ServerKeyName(uri string) string {
	rest := strings.TrimPrefix(uri, "https://")
	host, path, _ := strings.Cut(rest, "/")
	vault, _, _ := strings.Cut(host, ".")
	parts := strings.Split(strings.Trim(path, "/"), "/") // keys, <key>, <version>
	if len(parts) != 3 {
		return uri
	}
	return vault + "_" + parts[1] + "_" + parts[2]
}
