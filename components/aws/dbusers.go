package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/dbusers"
)

// DatabaseUsersRuntime is the job's Lambda runtime: its boto3 reads the
// admin's secret; the rest is the standard library.
const DatabaseUsersRuntime = "python3.12"

// DatabaseUsersArgs configures DatabaseUsers.
type DatabaseUsersArgs struct {
	Region  string           // required: the writer's region (the provider in opts)
	Account string           // required
	Network *RegionalNetwork // required: the region's network (private subnets, NAT egress)
	// Database is the Aurora global database; the job signs in to the
	// region's cluster endpoint as its master user. Required.
	Database     *GlobalDatabase
	DatabaseName string // required
	// User is the app's IAM database user (AppDatabaseUser by default).
	User             string
	LogRetentionDays int
	KeyArn           pulumi.StringInput // the region's key: the job's log group
}

// DatabaseUsers is a Lambda function in the writer region's private
// subnets, invoked by the deployment (lambda.Invocation: a function error
// fails the update, terraform-provider-aws invocation.go), that signs in to
// the writer as the master user (its password from the cluster's secret,
// read at run time) over TLS verified against the region's RDS certificate
// bundle, and makes the app's IAM database user with read and write rights
// (internal/dbusers.AuroraUsersSQL: CREATE ROLE … LOGIN if missing, GRANT
// rds_iam, no DDL). The invocation's trigger is a digest of the statements
// and the scripts, so a change of either runs it again. Users and grants
// are data in the database: every secondary and a promoted one have them.
type DatabaseUsers struct {
	pulumi.ResourceState

	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	SQL          string
}

// RDSBundleURL is a region's RDS certificate bundle in AWS's trust store
// ("Using SSL/TLS to encrypt a connection to a DB cluster": certificate
// bundles for specific AWS Regions), fetched over verified HTTPS.
func RDSBundleURL(region string) string {
	return fmt.Sprintf("https://truststore.pki.rds.amazonaws.com/%s/%s-bundle.pem", region, region)
}

// NewDatabaseUsers builds the job. Pass the region's provider in opts.
func NewDatabaseUsers(ctx *pulumi.Context, name string, args DatabaseUsersArgs, opts ...pulumi.ResourceOption) (*DatabaseUsers, error) {
	if args.Region == "" || args.Account == "" || args.Network == nil || args.Database == nil || args.DatabaseName == "" {
		return nil, fmt.Errorf("database users %s: Region, Account, Network, Database and DatabaseName are required", name)
	}
	if args.User == "" {
		args.User = AppDatabaseUser
	}
	if args.LogRetentionDays == 0 {
		args.LogRetentionDays = 30
	}
	d := &DatabaseUsers{SQL: dbusers.AuroraUsersSQL(args.DatabaseName, args.User)}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:DatabaseUsers", name, d, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(d)
	region := args.Region
	db := args.Database
	fnName := fit(name, 64)

	logs, role, err := functionIdentity(ctx, name, fnName, args.Account, "mobile-backend database users job: read the master secret, reach the writer", args.LogRetentionDays, args.KeyArn, child)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, name+"-policy", &iam.RolePolicyArgs{
		Role: role.ID(),
		Policy: pulumi.All(logs.Arn, db.secrets[region], db.keys[region]).ApplyT(func(v []any) string {
			return Policy(
				Statement{Sid: "WriteLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{v[0].(string) + ":*"}},
				// A function in a VPC makes its network interfaces
				// (AWSLambdaVPCAccessExecutionRole's actions; they take no
				// resource-level permission).
				Statement{Sid: "NetworkInterfaces", Effect: "Allow", Action: []string{
					"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
					"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
				}, Resource: []string{"*"}},
				Statement{Sid: "ReadMasterSecret", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{v[1].(string)}},
				Statement{Sid: "DecryptMasterSecret", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{v[2].(string)},
					Condition: map[string]map[string]string{"StringEquals": {"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}}},
			)
		}).(pulumi.StringOutput),
	}, child)
	if err != nil {
		return nil, err
	}

	// Out to the writer on PostgreSQL, and to HTTPS (Secrets Manager, the
	// trust store) through the NAT gateways; nothing in.
	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		VpcId: args.Network.VpcID, Description: pulumi.String("mobile-backend database users job"), Tags: nameTag(fnName),
	}, child)
	if err != nil {
		return nil, err
	}
	rules := []pulumi.Resource{}
	toDB, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-to-db", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(), Description: pulumi.String("PostgreSQL to the writer"), IpProtocol: pulumi.String("tcp"),
		FromPort: pulumi.Int(PostgresPort), ToPort: pulumi.Int(PostgresPort), ReferencedSecurityGroupId: db.securityGroups[region],
	}, child)
	if err != nil {
		return nil, err
	}
	https, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-to-https", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(), Description: pulumi.String("HTTPS: Secrets Manager and the RDS trust store"), IpProtocol: pulumi.String("tcp"),
		FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrIpv4: pulumi.String("0.0.0.0/0"),
	}, child)
	if err != nil {
		return nil, err
	}
	fromJob, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-db-in", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId: db.securityGroups[region], Description: pulumi.String("PostgreSQL from the database users job"), IpProtocol: pulumi.String("tcp"),
		FromPort: pulumi.Int(PostgresPort), ToPort: pulumi.Int(PostgresPort), ReferencedSecurityGroupId: sg.ID(),
	}, child)
	if err != nil {
		return nil, err
	}
	rules = append(rules, toDB, https, fromJob)

	fn, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:        pulumi.String(fnName),
		Description: pulumi.String("mobile-backend: make the app's IAM database user and its rights"),
		Runtime:     pulumi.String(DatabaseUsersRuntime),
		Handler:     pulumi.String("index.handler"),
		Role:        role.Arn,
		Timeout:     pulumi.Int(180), // within it, up to 90 s of connection retries (DB_CONNECT_SECONDS)
		MemorySize:  pulumi.Int(256),
		Code: pulumi.NewAssetArchive(map[string]interface{}{
			"index.py": pulumi.NewStringAsset(dbusers.AuroraHandler),
			"pg.py":    pulumi.NewStringAsset(dbusers.PostgresScript),
		}),
		VpcConfig: &lambda.FunctionVpcConfigArgs{SubnetIds: args.Network.PrivateSubnetIDs, SecurityGroupIds: pulumi.StringArray{sg.ID()}},
		Environment: &lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			"ADMIN_SECRET_ARN":   db.secrets[region],
			"DB_HOST":            db.writers[region],
			"DB_PORT":            pulumi.String(fmt.Sprint(PostgresPort)),
			"DB_NAME":            pulumi.String(args.DatabaseName),
			"DB_GRANTS_SQL":      pulumi.String(d.SQL),
			"RDS_CA_URL":         pulumi.String(RDSBundleURL(region)),
			"DB_CONNECT_SECONDS": pulumi.String("90"),
		}},
	}, child, pulumi.DependsOn([]pulumi.Resource{policy, logs}))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(dbusers.AuroraHandler + "\x00" + dbusers.PostgresScript + "\x00" + d.SQL))
	if _, err := lambda.NewInvocation(ctx, name, &lambda.InvocationArgs{
		FunctionName: fn.Name,
		Input:        pulumi.String("{}"),
		// A new digest re-invokes (Triggers; CREATE_ONLY replaces the
		// invocation, which invokes again).
		Triggers: pulumi.StringMap{"digest": pulumi.String(hex.EncodeToString(sum[:8]))},
	}, child, pulumi.DependsOn(append(rules, db.instances[region]...))); err != nil {
		return nil, err
	}
	d.FunctionName = fn.Name
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"functionName": d.FunctionName})
}
