package aws

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	. "github.com/mobile-backend/mobile-backend/tests/suite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/dbusers"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/policies"
)

// keyArns maps each region to its customer-managed key's ARN.
func keyArns(res *plan.Result) map[string]string { return ByRegion(res, TypeKey, "arn") }

func TestEveryRegionHasItsOwnRotatingProtectedKey(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-passive", "eu-west-1", "eu-central-1")
	keys := res.Recorder.OfType(TypeKey)
	regions := map[string]bool{}
	for _, k := range keys {
		regions[k.Region] = true
		assert.True(t, k.Bool("enableKeyRotation"), k.Name)
		assert.Equal(t, awsc.KeyDeletionWindowDays, k.Int("deletionWindowInDays"))
		assert.True(t, k.Protect, "%s is protected", k.Name)
		var policy awsc.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(k.Str("policy")), &policy))
		services := map[string]bool{}
		for _, st := range policy.Statement {
			if p, ok := st.Principal.(map[string]any); ok && p["Service"] != nil {
				services[p["Service"].(string)] = true
				if p["Service"] != "cloudwatch.amazonaws.com" { // CloudWatch's documented statement has no condition
					assert.NotEmpty(t, st.Condition, "a service uses the key only on this account's behalf")
				}
			}
		}
		assert.True(t, services["logs."+k.Region+".amazonaws.com"], "the region's CloudWatch Logs may use its key")
	}
	assert.Equal(t, map[string]bool{"eu-west-1": true, "eu-central-1": true, "us-east-1": true}, regions,
		"us-east-1 gets a key for the global alarm topic and edge WAF logs even when it serves no traffic")

	// One component holds the stack's keys, as on the other clouds; each
	// key is named after its region.
	all := One(t, res.Recorder.OfType("mobile-backend:aws:EncryptionKeys"), "the stack's keys")
	assert.Equal(t, "contract-keys", all.Name)
	var names []string
	for _, k := range res.Recorder.OfType("mobile-backend:aws:EncryptionKey") {
		assert.Equal(t, all.URN, k.Parent, k.Name)
		names = append(names, k.Name)
	}
	assert.ElementsMatch(t, []string{"contract-eu-west-1", "contract-eu-central-1", "contract-us-east-1"}, names)
	for _, a := range res.Recorder.OfType("aws:kms/alias:Alias") {
		assert.Contains(t, []string{"alias/mobile-backend/contract-eu-west-1", "alias/mobile-backend/contract-eu-central-1", "alias/mobile-backend/contract-us-east-1"}, a.Str("name"))
	}
}

func TestGlobalDatabaseWritesInThePrimaryAndReplicatesEncryptedToEveryRegion(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-1", "us-west-2"}
	res := MustPlan(t, "db", With(Contract("aws", "active-active", regions...), "dbBackupRetentionDays", 14, "dbInstances", 3))
	keys := keyArns(res)

	global := One(t, res.Recorder.OfType(TypeGlobalCluster), "global cluster")
	assert.Equal(t, "aurora-postgresql", global.Str("engine"))
	assert.Equal(t, "16.6", global.Str("engineVersion"))
	assert.True(t, global.Bool("storageEncrypted"))
	assert.True(t, global.Bool("deletionProtection"))
	assert.True(t, global.Protect)

	clusters := map[string]*mock.Resource{}
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		clusters[c.Region] = c
		assert.Equal(t, global.ID, c.Str("globalClusterIdentifier"))
		assert.Equal(t, keys[c.Region], c.Str("kmsKeyId"), "each cluster uses its own region's key")
		assert.True(t, c.Bool("storageEncrypted"))
		assert.Equal(t, 14, c.Int("backupRetentionPeriod"))
		assert.True(t, c.Bool("copyTagsToSnapshot"))
		assert.True(t, c.Bool("iamDatabaseAuthenticationEnabled"))
		assert.Equal(t, []any{"postgresql"}, c.Get("enabledCloudwatchLogsExports"))
		assert.True(t, c.Bool("deletionProtection"))
		assert.False(t, c.Bool("skipFinalSnapshot"))
		assert.Equal(t, c.Str("clusterIdentifier")+"-final", c.Str("finalSnapshotIdentifier"))
		assert.True(t, c.Protect, "%s is protected", c.Name)
		assert.Contains(t, c.IgnoreChanges, "replicationSourceIdentifier", "a promotion makes any member a secondary, the first region's too")
	}
	require.Len(t, clusters, 4)
	writer := clusters["us-east-1"]
	assert.Equal(t, awsc.MasterUsername, writer.Str("masterUsername"))
	assert.Equal(t, "[secret]", writer.Get("masterPassword"), "the password is a secret end to end")
	for _, r := range regions[1:] {
		c := clusters[r]
		assert.Nil(t, c.Get("masterPassword"), "secondaries take the writer's credentials")
		assert.True(t, c.Bool("enableGlobalWriteForwarding"), "active-active secondaries forward writes")
		assert.NotEmpty(t, c.DependsOn, "a secondary joins after the writer has instances")
	}

	perRegion := map[string]int{}
	for _, i := range res.Recorder.OfType(TypeDBInstance) {
		perRegion[i.Region]++
		assert.Equal(t, "db.r6g.large", i.Str("instanceClass"))
		assert.False(t, i.Bool("publiclyAccessible"))
		assert.True(t, i.Bool("performanceInsightsEnabled"))
		assert.Equal(t, keys[i.Region], i.Str("performanceInsightsKmsKeyId"))
	}
	assert.Equal(t, map[string]int{"us-east-1": 3, "eu-west-1": 3, "ap-southeast-1": 3, "us-west-2": 3}, perRegion)

	for _, p := range res.Recorder.OfType(TypeDBParams) {
		assert.Equal(t, "aurora-postgresql16", p.Str("family"))
		assert.Equal(t, "rds.force_ssl", p.Str("parameters.0.name"))
		assert.Equal(t, "1", p.Str("parameters.0.value"), "TLS is forced in transit")
	}

	secret := One(t, res.Recorder.OfType(TypeSecret), "master secret")
	assert.Equal(t, "us-east-1", secret.Region)
	assert.Equal(t, keys["us-east-1"], secret.Str("kmsKeyId"))
	assert.True(t, secret.Protect)
	replicas := map[string]string{}
	for i := 0; i < secret.Len("replicas"); i++ {
		replicas[secret.Str(fmt.Sprintf("replicas.%d.region", i))] = secret.Str(fmt.Sprintf("replicas.%d.kmsKeyId", i))
	}
	assert.Equal(t, map[string]string{"eu-west-1": keys["eu-west-1"], "ap-southeast-1": keys["ap-southeast-1"], "us-west-2": keys["us-west-2"]}, replicas)
}

func TestActivePassiveSecondariesDoNotForwardWrites(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-passive", "us-east-2", "us-west-2")
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		if c.Region == "us-west-2" {
			assert.False(t, c.Bool("enableGlobalWriteForwarding"))
		}
	}
}

func TestDatabaseIsReachableOnlyFromTheTasksOnItsPort(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	taskSG, dbSG, jobSG := map[string]string{}, map[string]string{}, map[string]string{}
	for _, sg := range res.Recorder.OfType(TypeSG) {
		switch {
		case strings.HasSuffix(sg.Name, "-task-sg"):
			taskSG[sg.Region] = sg.ID
		case sg.Name == "contract-db-users-sg":
			jobSG[sg.Region] = sg.ID
		case strings.HasPrefix(sg.Name, "contract-db-"):
			dbSG[sg.Region] = sg.ID
		}
	}
	require.Len(t, dbSG, 2)
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		assert.Equal(t, []any{dbSG[c.Region]}, c.Get("vpcSecurityGroupIds"))
	}
	from := map[string][]string{}
	for _, r := range res.Recorder.OfType(TypeIngress) {
		if r.Str("securityGroupId") == dbSG[r.Region] {
			from[r.Region] = append(from[r.Region], r.Str("referencedSecurityGroupId"))
			assert.Equal(t, awsc.PostgresPort, r.Int("fromPort"))
			assert.Equal(t, awsc.PostgresPort, r.Int("toPort"))
			assert.Nil(t, r.Get("cidrIpv4"), "never an address range")
		}
	}
	assert.ElementsMatch(t, []string{taskSG["us-east-1"], jobSG["us-east-1"]}, from["us-east-1"], "the writer: the tasks and the database users job")
	assert.Equal(t, []string{taskSG["eu-west-1"]}, from["eu-west-1"], "a secondary: the tasks only")
}

func TestTasksGetTheWriterAndTheirLocalReaderAndLeastPrivilegeGrants(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	global := One(t, res.Recorder.OfType(TypeGlobalCluster), "global cluster")
	readers := map[string]string{}
	resourceIDs := map[string]string{}
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		readers[c.Region] = c.Outputs["readerEndpoint"].(string)
		resourceIDs[c.Region] = c.Outputs["clusterResourceId"].(string)
	}
	buckets := map[string]string{}
	for _, b := range uploads(res.Recorder.OfType(TypeBucket)) {
		buckets[b.Region] = b.Str("bucket")
	}
	table := sessionTable(t, res)
	for _, task := range res.Recorder.OfType(TypeTaskDef) {
		var containers []struct {
			Environment []struct{ Name, Value string }
		}
		require.NoError(t, json.Unmarshal([]byte(task.Str("containerDefinitions")), &containers))
		env := map[string]string{}
		for _, e := range containers[0].Environment {
			env[e.Name] = e.Value
		}
		if task.Region == "us-east-1" {
			assert.Equal(t, global.Outputs["endpoint"], env["DB_WRITER_HOST"], "the writer's region writes to the global writer endpoint")
			assert.Equal(t, "false", env["DB_WRITE_FORWARDING"])
		} else {
			assert.Equal(t, readers[task.Region], env["DB_WRITER_HOST"], "a secondary writes through its own cluster (write forwarding)")
			assert.Equal(t, "true", env["DB_WRITE_FORWARDING"])
		}
		assert.Equal(t, readers[task.Region], env["DB_READER_HOST"], "reads stay in the region")
		assert.Equal(t, "app", env["DB_USER"])
		assert.Equal(t, buckets[task.Region], env["UPLOADS_BUCKET"])
		assert.Equal(t, table.Outputs["name"], env["SESSION_TABLE"])
		assert.NotContains(t, env, "DB_PASSWORD", "tasks authenticate with IAM, not the master password")
	}
	for _, p := range res.Recorder.OfType(TypeRolePolicy) {
		if !strings.HasSuffix(p.Name, "-task-policy") {
			continue
		}
		var doc awsc.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &doc))
		region := strings.TrimSuffix(strings.TrimPrefix(p.Name, "contract-"), "-task-policy")
		grants := map[string][]string{}
		for _, st := range doc.Statement {
			grants[st.Sid] = st.Resource
			assert.NotContains(t, st.Action, "*")
			assert.NotContains(t, st.Resource, "*", st.Sid)
		}
		assert.Equal(t, []string{fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/app", region, mock.Account, resourceIDs[region])}, grants["ConnectWithIAM"])
		assert.Equal(t, []string{"arn:aws:s3:::" + buckets[region] + "/*"}, grants["Uploads"])
		assert.Equal(t, []string{"arn:aws:s3:::" + buckets[region] + "/static/*"}, grants["NotTheEdgesObjects"], "the edge's public objects (the directory) are the deploy's")
		for _, st := range doc.Statement {
			if st.Sid == "NotTheEdgesObjects" {
				assert.Equal(t, "Deny", st.Effect)
				assert.ElementsMatch(t, []string{"s3:PutObject", "s3:DeleteObject"}, st.Action)
			}
		}
		assert.Equal(t, []string{keyArns(res)[region]}, grants["UploadsKey"])
		tableArn := fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, mock.Account, table.Outputs["name"])
		assert.Equal(t, []string{tableArn, tableArn + "/index/*"}, grants["SessionTable"], "the local replica only")
	}
}

func TestSessionTableIsAGlobalTableWithAReplicaInEveryRegion(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1", "ap-northeast-1")
	keys := keyArns(res)
	table := sessionTable(t, res)
	assert.Equal(t, "us-east-1", table.Region)
	assert.Equal(t, "PAY_PER_REQUEST", table.Str("billingMode"))
	assert.Equal(t, true, table.Get("pointInTimeRecovery.enabled"))
	assert.Equal(t, true, table.Get("serverSideEncryption.enabled"))
	assert.Equal(t, keys["us-east-1"], table.Str("serverSideEncryption.kmsKeyArn"))
	assert.True(t, table.Bool("streamEnabled"))
	assert.Equal(t, "NEW_AND_OLD_IMAGES", table.Str("streamViewType"))
	assert.True(t, table.Bool("deletionProtectionEnabled"))
	assert.True(t, table.Protect)
	assert.Zero(t, table.Len("replicas"), "no inline replicas: they have no deletion protection")
	assert.Contains(t, table.IgnoreChanges, "replicas")
	replicas := map[string]string{}
	for _, r := range res.Recorder.OfType("aws:dynamodb/tableReplica:TableReplica") {
		if r.Str("globalTableArn") != table.Out("arn") {
			continue // the region watches' table
		}
		replicas[r.Region] = r.Str("kmsKeyArn")
		assert.Equal(t, table.Out("arn"), r.Str("globalTableArn"))
		assert.True(t, r.Bool("pointInTimeRecovery"), r.Region)
		assert.True(t, r.Bool("deletionProtectionEnabled"), "every replica refuses deletion")
		assert.True(t, r.Protect, r.Region)
	}
	assert.Equal(t, map[string]string{"eu-west-1": keys["eu-west-1"], "ap-northeast-1": keys["ap-northeast-1"]}, replicas, "a replica in each other region, with its key")

	off := MustPlan(t, "sessions", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "sessionTable", false))
	assert.Empty(t, Filter(off.Recorder.OfType(TypeTable), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-sessions") }))
}

func TestUploadBucketsAreVersionedEncryptedPrivateAndTLSOnly(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "up", With(Contract("aws", "active-passive", "eu-west-1", "eu-central-1"), "noncurrentVersionDays", 45))
	keys := keyArns(res)
	buckets := uploads(res.Recorder.OfType(TypeBucket))
	require.Len(t, buckets, 2)
	for _, b := range buckets {
		assert.True(t, b.Protect, "%s is protected", b.Name)
		assert.False(t, b.Bool("forceDestroy"))
		assert.Equal(t, fmt.Sprintf("up-%s-uploads-%s", b.Region, mock.Account), b.Str("bucket"))
	}
	for _, sse := range uploads(res.Recorder.OfType(TypeBucketSSE)) {
		assert.Equal(t, "aws:kms", sse.Str("rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"))
		assert.Equal(t, keys[sse.Region], sse.Str("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
		assert.True(t, sse.Bool("rules.0.bucketKeyEnabled"))
	}
	for _, pab := range uploads(res.Recorder.OfType(TypeBucketPAB)) {
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			assert.True(t, pab.Bool(k), k)
		}
	}
	for _, o := range uploads(res.Recorder.OfType(TypeBucketOwner)) {
		assert.Equal(t, "BucketOwnerEnforced", o.Str("rule.objectOwnership"))
	}
	for _, v := range uploads(res.Recorder.OfType(TypeBucketVersion)) {
		assert.Equal(t, "Enabled", v.Str("versioningConfiguration.status"))
	}
	for _, l := range uploads(res.Recorder.OfType(TypeBucketLife)) {
		assert.Equal(t, 45, l.Int("rules.0.noncurrentVersionExpiration.noncurrentDays"))
		assert.Equal(t, true, l.Get("rules.1.expiration.expiredObjectDeleteMarker"), "lone delete markers go too")
		assert.Equal(t, 7, l.Int("rules.2.abortIncompleteMultipartUpload.daysAfterInitiation"))
	}
	policies := uploads(res.Recorder.OfType(TypeBucketPolicy))
	require.Len(t, policies, 2)
	for _, p := range policies {
		var doc awsc.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &doc))
		assert.Equal(t, "Deny", doc.Statement[0].Effect)
		assert.Equal(t, "*", doc.Statement[0].Principal)
		assert.Equal(t, map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}}, doc.Statement[0].Condition)
	}
}

// Every bucket replicates to every other, in both topologies: each region's
// app writes its own bucket, so after an active-passive promotion the
// promoted region's uploads still reach the others without a pulumi up.
func TestStorageReplicatesBetweenEveryBucketWithReplicationTimeControl(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		topology string
		sources  []string
	}{
		{"active-passive", []string{"us-east-1", "eu-west-1", "ap-south-1"}},
		{"active-active", []string{"us-east-1", "eu-west-1", "ap-south-1"}},
	} {
		t.Run(tc.topology, func(t *testing.T) {
			regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
			res := ContractPlan(t, "aws", tc.topology, regions...)
			keys := keyArns(res)
			bucketRegion := map[string]string{}
			for _, b := range res.Recorder.OfType(TypeBucket) {
				bucketRegion[b.Outputs["arn"].(string)] = b.Region
			}
			configs := madeBy(res.Recorder.OfType(TypeReplication), "ReplicatedStorage")
			var sources []string
			for _, c := range configs {
				sources = append(sources, c.Region)
				dests := map[string]bool{}
				for i := 0; i < c.Len("rules"); i++ {
					p := fmt.Sprintf("rules.%d.", i)
					dst := bucketRegion[c.Str(p+"destination.bucket")]
					dests[dst] = true
					assert.NotEqual(t, c.Region, dst)
					assert.Equal(t, "Enabled", c.Str(p+"status"))
					assert.Equal(t, "Enabled", c.Str(p+"deleteMarkerReplication.status"))
					assert.Equal(t, "Enabled", c.Str(p+"sourceSelectionCriteria.sseKmsEncryptedObjects.status"))
					assert.Equal(t, keys[dst], c.Str(p+"destination.encryptionConfiguration.replicaKmsKeyId"), "replicas use the destination's key")
					assert.Equal(t, "Enabled", c.Str(p+"destination.replicationTime.status"))
					assert.Equal(t, 15, c.Int(p+"destination.replicationTime.time.minutes"))
					assert.Equal(t, "Enabled", c.Str(p+"destination.metrics.status"))
					assert.Equal(t, 15, c.Int(p+"destination.metrics.eventThreshold.minutes"))
					assert.Equal(t, "Enabled", c.Str(p+"sourceSelectionCriteria.replicaModifications.status"), "bidirectional sync")
				}
				assert.Len(t, dests, len(regions)-1, "every other region")
			}
			assert.ElementsMatch(t, tc.sources, sources)

			role := One(t, Filter(madeBy(res.Recorder.OfType(TypeRolePolicy), "ReplicatedStorage"), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-replication") }), "replication policy")
			var doc awsc.PolicyDocument
			require.NoError(t, json.Unmarshal([]byte(role.Str("policy")), &doc))
			for _, st := range doc.Statement {
				assert.NotContains(t, st.Resource, "*", st.Sid)
				for _, a := range st.Action {
					assert.NotContains(t, a, "*", st.Sid)
				}
			}
		})
	}
}

// madeBy are the resources a component of a kind made (directly).
func madeBy(rs []*mock.Resource, kind string) []*mock.Resource {
	return Filter(rs, func(r *mock.Resource) bool { return strings.Contains(r.URN, ":"+kind+"$") })
}

// uploads are the resources of the upload buckets (not the load balancers'
// access-log buckets).
func uploads(rs []*mock.Resource) []*mock.Resource { return madeBy(rs, "ReplicatedStorage") }

func TestEdgeCacheFailsOverFromThePrimaryBucketAndIsHTTPSOnlyBehindAWAF(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "edge", With(Contract("aws", "active-active", "eu-west-1", "eu-central-1", "us-east-1"), "geoBlock", []string{"KP"}))
	dist := One(t, res.Recorder.OfType(TypeDistribution), "distribution")
	assert.Equal(t, "", dist.Region, "CloudFront is global")
	assert.Equal(t, []any{"static.api.example.com"}, dist.Get("aliases"))
	origins := map[string]string{}
	for i := 0; i < dist.Len("origins"); i++ {
		p := fmt.Sprintf("origins.%d.", i)
		origins[dist.Str(p+"originId")] = dist.Str(p + "domainName")
		assert.NotEmpty(t, dist.Str(p+"originAccessControlId"), "buckets are read through origin access control")
		assert.Equal(t, "/static", dist.Str(p+"originPath"))
	}
	assert.Regexp(t, `\.s3\.eu-west-1\.amazonaws\.com$`, origins["primary"])
	assert.Regexp(t, `\.s3\.eu-central-1\.amazonaws\.com$`, origins["secondary"])
	assert.Equal(t, "primary", dist.Str("originGroups.0.members.0.originId"))
	assert.Equal(t, "secondary", dist.Str("originGroups.0.members.1.originId"))
	assert.Equal(t, []any{500.0, 502.0, 503.0, 504.0}, dist.Get("originGroups.0.failoverCriteria.statusCodes"))
	assert.Equal(t, "buckets", dist.Str("defaultCacheBehavior.targetOriginId"))
	assert.Equal(t, "https-only", dist.Str("defaultCacheBehavior.viewerProtocolPolicy"))
	assert.Equal(t, "TLSv1.2_2021", dist.Str("viewerCertificate.minimumProtocolVersion"))
	assert.Equal(t, "sni-only", dist.Str("viewerCertificate.sslSupportMethod"))
	assert.Regexp(t, `^arn:aws:acm:us-east-1:`, dist.Str("viewerCertificate.acmCertificateArn"), "CloudFront certificates live in us-east-1")
	assert.Equal(t, "blacklist", dist.Str("restrictions.geoRestriction.restrictionType"))
	assert.Equal(t, []any{"KP"}, dist.Get("restrictions.geoRestriction.locations"))

	var edgeACL *mock.Resource
	for _, acl := range res.Recorder.OfType(TypeACL) {
		if acl.Str("scope") == "CLOUDFRONT" {
			edgeACL = acl
		}
	}
	require.NotNil(t, edgeACL, "the edge cache has its own CLOUDFRONT-scope WAF")
	assert.Equal(t, edgeACL.Outputs["arn"], dist.Str("webAclId"))
	assert.Equal(t, "geo-block", edgeACL.Str("rules.0.name"))

	// Only this distribution may read the origin buckets' static content.
	for _, p := range uploads(res.Recorder.OfType(TypeBucketPolicy)) {
		var doc awsc.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &doc))
		if p.Region == "us-east-1" {
			assert.Len(t, doc.Statement, 1, "not an origin: TLS-only deny, nothing else")
			continue
		}
		require.Len(t, doc.Statement, 2, p.Region)
		assert.Equal(t, map[string]any{"Service": "cloudfront.amazonaws.com"}, doc.Statement[1].Principal)
		assert.Equal(t, dist.Outputs["arn"], doc.Statement[1].Condition["StringEquals"]["AWS:SourceArn"])
		assert.Regexp(t, `/static/\*$`, doc.Statement[1].Resource[0])
	}
	var alias []string
	for _, r := range res.Recorder.OfType(TypeRecord) {
		if r.Str("name") == "static.api.example.com" {
			alias = append(alias, r.Str("type"))
			assert.Equal(t, dist.Outputs["domainName"], r.Str("aliases.0.name"))
			assert.Equal(t, "Z2FDTNDATAQYW2", r.Str("aliases.0.zoneId"))
		}
	}
	assert.ElementsMatch(t, []string{"A", "AAAA"}, alias)
	assert.Equal(t, "static.api.example.com", res.Outputs["staticHostname"])
}

func TestEveryRegionAlarmsToItsOwnEncryptedTopic(t *testing.T) {
	t.Parallel()
	regions := []string{"us-west-2", "eu-west-1"}
	res := MustPlan(t, "mon", With(Contract("aws", "active-passive", regions...),
		"alertEmails", []string{"oncall@example.com", "sre@example.com"}, "alarmErrorRatePercent", 2, "alarmLatencyP99Ms", 750,
		"alarmDbReplicationLagMs", 3000, "alarmStorageReplicationSeconds", 600, "alarmWafBlockedRequests", 500))
	keys := keyArns(res)
	topics := map[string]string{}
	for _, tp := range res.Recorder.OfType(TypeTopic) {
		topics[tp.Region] = tp.Outputs["arn"].(string)
		assert.Equal(t, keys[tp.Region], tp.Str("kmsMasterKeyId"), "the topic is encrypted with its region's key")
	}
	assert.Len(t, topics, 3, "each region, plus us-east-1 for the Route 53 health-check alarms")
	subs := map[string][]string{}
	for _, s := range res.Recorder.OfType(TypeSubscription) {
		assert.Equal(t, "email", s.Str("protocol"))
		subs[s.Region] = append(subs[s.Region], s.Str("endpoint"))
	}
	for region := range topics {
		assert.ElementsMatch(t, []string{"oncall@example.com", "sre@example.com"}, subs[region])
	}

	type alarm struct {
		Namespace, Metric, Stat string
		Threshold               float64
	}
	byRegion := map[string]map[string]alarm{}
	for _, a := range OfComponent(res.Recorder.OfType(TypeAlarm), "mobile-backend:aws:Monitoring") {
		if byRegion[a.Region] == nil {
			byRegion[a.Region] = map[string]alarm{}
		}
		stat := a.Str("statistic") + a.Str("extendedStatistic")
		byRegion[a.Region][a.Str("name")] = alarm{a.Str("namespace"), a.Str("metricName"), stat, a.Get("threshold").(float64)}
		assert.Equal(t, []any{topics[a.Region]}, a.Get("alarmActions"), "%s notifies its region's topic", a.Name)
		assert.Equal(t, []any{topics[a.Region]}, a.Get("okActions"))
	}
	primary, standby := byRegion["us-west-2"], byRegion["eu-west-1"]
	assert.Equal(t, alarm{"AWS/ApplicationELB", "TargetResponseTime", "p99", 0.75}, primary["mon-us-west-2-p99-latency"])
	assert.Equal(t, alarm{"AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", 0}, primary["mon-us-west-2-unhealthy-hosts"])
	assert.Equal(t, alarm{"AWS/ApplicationELB", "HealthyHostCount", "Minimum", 1}, primary["mon-us-west-2-no-healthy-hosts"])
	assert.Equal(t, alarm{"AWS/ECS", "CPUUtilization", "Average", 85}, primary["mon-us-west-2-cpu"])
	assert.Equal(t, alarm{"AWS/ECS", "MemoryUtilization", "Average", 85}, primary["mon-us-west-2-memory"])
	assert.Equal(t, alarm{"AWS/WAFV2", "BlockedRequests", "Sum", 500}, primary["mon-us-west-2-waf-blocked"])
	assert.Equal(t, alarm{"AWS/S3", "ReplicationLatency", "Maximum", 600}, primary["mon-us-west-2-s3-replication-latency-eu-west-1"])
	assert.Equal(t, alarm{"AWS/S3", "OperationsFailedReplication", "Sum", 0}, primary["mon-us-west-2-s3-replication-failed-eu-west-1"])
	assert.NotContains(t, primary, "mon-us-west-2-db-replication-lag", "the writer has no lag")
	assert.Equal(t, alarm{"AWS/RDS", "AuroraGlobalDBReplicationLag", "Maximum", 3000}, standby["mon-eu-west-1-db-replication-lag"])
	assert.Equal(t, 2.0, primary["mon-us-west-2-5xx-rate"].Threshold)
	for _, region := range regions {
		assert.Equal(t, alarm{"AWS/Route53", "HealthCheckStatus", "Minimum", 1}, byRegion["us-east-1"]["mon-"+region+"-health-check"],
			"Route 53 health-check metrics live in us-east-1")
	}

	rate := res.Recorder.Named(TypeAlarm, "mon-us-west-2-5xx-rate")
	require.NotNil(t, rate)
	assert.Equal(t, "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests", rate.Str("metricQueries.3.expression"))

	composites := res.Recorder.OfType(TypeComposite)
	require.Len(t, composites, 2)
	for _, c := range composites {
		prefix := "mon-" + c.Region
		assert.Equal(t, fmt.Sprintf("ALARM(%q) OR ALARM(%q)", prefix+"-no-healthy-hosts", prefix+"-5xx-rate"), c.Str("alarmRule"))
		assert.Equal(t, []any{topics[c.Region]}, c.Get("alarmActions"))
	}
}

func TestDashboardHasARowPerRegionBuiltFromTypedValues(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	res := ContractPlan(t, "aws", "active-active", regions...)
	dash := One(t, res.Recorder.OfType(TypeDashboard), "dashboard")
	assert.Equal(t, "us-east-1", dash.Region, "the dashboard lives in the primary region")
	var body awsc.Dashboard
	require.NoError(t, json.Unmarshal([]byte(dash.Str("dashboardBody")), &body), "the body is valid JSON")
	require.Len(t, body.Widgets, len(regions)*len(awsc.DashboardRowTitles))

	titles := map[string][]string{}
	for _, w := range body.Widgets {
		title := w.Properties.Title
		if w.Type == "text" {
			title = strings.SplitN(strings.TrimPrefix(w.Properties.Markdown, "### "), "\n", 2)[0]
		}
		region := strings.SplitN(title, " ", 2)[0]
		titles[region] = append(titles[region], title[strings.Index(title, ": ")+2:])
		if w.Width == 24 {
			assert.Equal(t, 8*indexOf(regions, region)+6, w.Y, "the links line under the region's graphs")
			assert.Contains(t, w.Properties.Markdown, "https://"+region+".console.aws.amazon.com/cloudwatch/home?region="+region+"#xray:traces/query")
			assert.Contains(t, w.Properties.Markdown, "#logsV2:logs-insights")
		} else {
			assert.Equal(t, 8*indexOf(regions, region), w.Y, "one row per region")
		}
		if w.Type == "metric" {
			assert.NotEmpty(t, w.Properties.Metrics, title)
			if !strings.HasSuffix(title, "health check") {
				assert.Equal(t, region, w.Properties.Region, title)
			}
		}
	}
	for _, r := range regions {
		assert.Equal(t, awsc.DashboardRowTitles, titles[r], r)
	}
	// The database lag widget of a secondary reads its own cluster's metric.
	var lag *awsc.Widget
	for i, w := range body.Widgets {
		if w.Properties.Title == "eu-west-1 (active): database replication lag" {
			lag = &body.Widgets[i]
		}
	}
	require.NotNil(t, lag)
	assert.Equal(t, []any{"AWS/RDS", "AuroraGlobalDBReplicationLag", "DBClusterIdentifier", "contract-db-eu-west-1"}, lag.Properties.Metrics[0])
	// Releases are marked on each region's requests: its own gate's runs
	// and failures.
	marked := 0
	for _, w := range body.Widgets {
		region, _, _ := strings.Cut(w.Properties.Title, " ")
		if strings.HasSuffix(w.Properties.Title, ": requests and releases") {
			gate := res.Recorder.Named("aws:lambda/function:Function", "contract-"+region+"-release")
			require.NotNil(t, gate, region)
			require.Len(t, w.Properties.Metrics, 3, region)
			assert.Equal(t, []any{"AWS/Lambda", "Invocations", "FunctionName", gate.Outputs["name"]}, w.Properties.Metrics[1][:4])
			assert.Equal(t, []any{"AWS/Lambda", "Errors", "FunctionName", gate.Outputs["name"]}, w.Properties.Metrics[2][:4])
			marked++
		}
	}
	assert.Equal(t, len(regions), marked, "every region's releases are marked")
	assert.Regexp(t, `^https://us-east-1\.console\.aws\.amazon\.com/cloudwatch/home\?region=us-east-1#dashboards:name=contract-mobile-backend$`, res.Outputs["dashboardUrl"])
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestFourRegionActiveActiveHasOneOfEachPerNonPrimaryRegion(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-1", "sa-east-1"}
	res := ContractPlan(t, "aws", "active-active", regions...)
	secondaries := 0
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		if c.Get("masterUsername") == nil {
			secondaries++
		}
	}
	assert.Equal(t, 3, secondaries)
	assert.Len(t, uploads(res.Recorder.OfType(TypeBucket)), 4)
	for _, r := range regions {
		assert.Len(t, res.Recorder.InRegion(TypeComposite, r), 1, "one alarm set per region: %s", r)
		assert.NotNil(t, res.Recorder.Named(TypeAlarm, "contract-"+r+"-5xx-rate"), r)
	}
}

func TestStatefulResourcesAreProtectedUnlessConfigSaysOtherwise(t *testing.T) {
	t.Parallel()
	stateful := []string{TypeGlobalCluster, TypeDBCluster, TypeTable, TypeKey, TypeBucket, TypeSecret}
	on := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	off := MustPlan(t, "p", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "protect", false))
	for _, typ := range stateful {
		require.NotEmpty(t, on.Recorder.OfType(typ), typ)
		for _, r := range on.Recorder.OfType(typ) {
			assert.True(t, r.Protect, "%s %s", typ, r.Name)
		}
		for _, r := range off.Recorder.OfType(typ) {
			assert.False(t, r.Protect, "%s %s", typ, r.Name)
		}
	}
	// Deletion protection stays on either way: protect guards the state, deletion protection the cloud.
	for _, c := range off.Recorder.OfType(TypeDBCluster) {
		assert.True(t, c.Bool("deletionProtection"))
	}
}

func TestDataIsBackedUpDailyAndCopiedToTheSecondRegionsVault(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "bk", With(Contract("aws", "active-passive", "us-west-2", "us-east-1", "eu-west-1"), "backupCopyRetentionDays", 90))
	keys := keyArns(res)
	vaults := map[string]*mock.Resource{}
	for _, v := range res.Recorder.OfType("aws:backup/vault:Vault") {
		vaults[v.Region] = v
		assert.Equal(t, keys[v.Region], v.Str("kmsKeyArn"), "each vault under its region's key")
		assert.True(t, v.Protect)
		assert.False(t, v.Bool("forceDestroy"))
	}
	require.Len(t, vaults, 3, "a vault in every region")
	assert.Empty(t, res.Recorder.OfType("aws:backup/vaultLockConfiguration:VaultLockConfiguration"), "the lock is opt-in: it cannot be undone")

	plan := One(t, res.Recorder.OfType("aws:backup/plan:Plan"), "plan")
	assert.Equal(t, "us-west-2", plan.Region)
	assert.Equal(t, vaults["us-west-2"].Str("name"), plan.Str("rules.0.targetVaultName"))
	assert.Equal(t, "cron(0 3 * * ? *)", plan.Str("rules.0.schedule"), "daily")
	assert.Equal(t, 90, plan.Int("rules.0.lifecycle.deleteAfter"))
	assert.Equal(t, vaults["us-east-1"].Outputs["arn"], plan.Str("rules.0.copyActions.0.destinationVaultArn"), "copied to the second region")
	assert.Equal(t, 90, plan.Int("rules.0.copyActions.0.lifecycle.deleteAfter"))

	sel := One(t, res.Recorder.OfType("aws:backup/selection:Selection"), "selection")
	var primaryCluster string
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		if c.Region == "us-west-2" {
			primaryCluster = c.Outputs["arn"].(string)
		}
	}
	table := sessionTable(t, res)
	assert.ElementsMatch(t, []any{primaryCluster, table.Outputs["arn"]}, sel.Get("resources"), "the writer cluster and the session table")
	role := One(t, Filter(res.Recorder.OfType(TypeRole), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-backup-role") }), "backup role")
	assert.Equal(t, role.Outputs["arn"], sel.Str("iamRoleArn"))
	assert.Contains(t, role.Str("assumeRolePolicy"), `"Service":"backup.amazonaws.com"`)

	locked := MustPlan(t, "bk", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "backupVaultLock", true))
	locks := locked.Recorder.OfType("aws:backup/vaultLockConfiguration:VaultLockConfiguration")
	require.Len(t, locks, 2)
	for _, l := range locks {
		assert.Equal(t, 3, l.Int("changeableForDays"), "compliance mode after three days")
		assert.Equal(t, 35, l.Int("minRetentionDays"))
	}
}

func TestEveryRegionsTaskLogsReachOneBucketInThePrimaryRegion(t *testing.T) {
	t.Parallel()
	res := MustPlan(t, "lg", With(Contract("aws", "active-active", "us-east-1", "eu-west-1"), "logRetentionDays", 90))
	keys := keyArns(res)
	// One bucket per region, each with its region's key; the first region's
	// is the central one, the others replicate into it.
	buckets := map[string]*mock.Resource{}
	for _, b := range madeBy(res.Recorder.OfType(TypeBucket), "CentralLogs") {
		buckets[b.Region] = b
		assert.True(t, b.Protect)
	}
	require.Len(t, buckets, 2)
	bucket := buckets["us-east-1"]
	for _, sse := range madeBy(res.Recorder.OfType(TypeBucketSSE), "CentralLogs") {
		assert.Equal(t, keys[sse.Region], sse.Str("rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"))
	}
	for _, life := range madeBy(res.Recorder.OfType(TypeBucketLife), "CentralLogs") {
		assert.Equal(t, 90, life.Int("rules.0.expiration.days"))
		assert.Equal(t, 1, life.Int("rules.1.noncurrentVersionExpiration.noncurrentDays"), "versioned for replication: old versions go at once")
	}
	replication := One(t, madeBy(res.Recorder.OfType(TypeReplication), "CentralLogs"), "log replication")
	assert.Equal(t, "eu-west-1", replication.Region)
	assert.Equal(t, buckets["eu-west-1"].ID, replication.Str("bucket"))
	assert.Equal(t, bucket.Outputs["arn"], replication.Str("rules.0.destination.bucket"), "into the central bucket, under the same key")
	assert.Equal(t, keys["us-east-1"], replication.Str("rules.0.destination.encryptionConfiguration.replicaKmsKeyId"))

	for _, s := range res.Recorder.OfType("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream") {
		assert.Equal(t, buckets[s.Region].Outputs["arn"], s.Str("extendedS3Configuration.bucketArn"), "%s delivers within its region", s.Region)
		assert.Equal(t, keys[s.Region], s.Str("extendedS3Configuration.kmsKeyArn"))
		assert.Equal(t, "regions/"+s.Region+"/", s.Str("extendedS3Configuration.prefix"))
		assert.Equal(t, keys[s.Region], s.Str("serverSideEncryption.keyArn"), "the stream is encrypted with its region's key")
		assert.Equal(t, "GZIP", s.Str("extendedS3Configuration.compressionFormat"))
	}
	filters := res.Recorder.OfType("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter")
	require.Len(t, filters, 2)
	for _, f := range filters {
		assert.Equal(t, "/mobile-backend/lg/"+f.Region+"/api", f.Str("logGroup"), "the tasks' own log group")
		assert.Equal(t, "", f.Str("filterPattern"), "every event")
	}
	for _, p := range Filter(res.Recorder.OfType(TypeRolePolicy), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-delivery") }) {
		var doc awsc.PolicyDocument
		require.NoError(t, json.Unmarshal([]byte(p.Str("policy")), &doc))
		region := strings.TrimSuffix(strings.TrimPrefix(p.Name, "lg-logs-"), "-delivery")
		arn := buckets[region].Outputs["arn"].(string)
		assert.Equal(t, []string{arn + "/regions/" + region + "/*", arn + "/errors/" + region + "/*"}, doc.Statement[0].Resource,
			"each stream writes its own region's prefix and its error prefix only")
		stream := res.Recorder.InRegion("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", region)
		require.Len(t, stream, 1)
		assert.Equal(t, "errors/"+region+"/", stream[0].Str("extendedS3Configuration.errorOutputPrefix"), "failed records land where the role may write")
	}
}

func TestLogShippingRolesTrustOnlyThisAccountsServices(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	roles := madeBy(res.Recorder.OfType(TypeRole), "CentralLogs")
	require.Len(t, roles, 5, "a delivery and a shipping role per region, and the replication role")
	for _, r := range roles {
		policy := r.Str("assumeRolePolicy")
		switch {
		case strings.HasSuffix(r.Name, "-delivery"):
			assert.Contains(t, policy, `"Service":"firehose.amazonaws.com"`)
			assert.Contains(t, policy, `"sts:ExternalId":"`+mock.Account+`"`)
		case strings.HasSuffix(r.Name, "-replication"):
			assert.Contains(t, policy, `"Service":"s3.amazonaws.com"`)
			assert.Contains(t, policy, `"aws:SourceAccount":"`+mock.Account+`"`)
		case strings.HasSuffix(r.Name, "-shipping"):
			region := strings.TrimSuffix(strings.TrimPrefix(r.Name, "contract-logs-"), "-shipping")
			assert.Contains(t, policy, `"Service":"logs.`+region+`.amazonaws.com"`)
			assert.Contains(t, policy, `"aws:SourceArn":"arn:aws:logs:`+region+`:`+mock.Account+`:*"`)
		default:
			t.Errorf("unexpected role %s", r.Name)
		}
	}
}

// The write path of every serving region, end to end in the plan: the host
// in the task's environment is a cluster of the task's own region, which
// the task's security group reaches on the PostgreSQL port and its role may
// connect to with IAM, and a secondary's cluster forwards writes.
func TestEveryServingRegionHasAWritePathItsTasksCanReach(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		topology string
		serving  []string
	}{
		{"active-active", []string{"us-east-1", "eu-west-1", "ap-southeast-1"}},
		{"active-passive", []string{"us-east-1"}},
	} {
		t.Run(tc.topology, func(t *testing.T) {
			res := ContractPlan(t, "aws", tc.topology, "us-east-1", "eu-west-1", "ap-southeast-1")
			global := One(t, res.Recorder.OfType(TypeGlobalCluster), "global cluster")
			clusters := map[string]*mock.Resource{}
			for _, c := range res.Recorder.OfType(TypeDBCluster) {
				clusters[c.Region] = c
			}
			taskSG, dbSG := map[string]string{}, map[string]string{}
			for _, sg := range res.Recorder.OfType(TypeSG) {
				switch {
				case strings.HasSuffix(sg.Name, "-task-sg"):
					taskSG[sg.Region] = sg.ID
				case strings.HasPrefix(sg.Name, "contract-db-"):
					dbSG[sg.Region] = sg.ID
				}
			}
			for _, region := range tc.serving {
				var env map[string]string
				for _, task := range res.Recorder.InRegion(TypeTaskDef, region) {
					var containers []struct {
						Environment []struct{ Name, Value string }
					}
					require.NoError(t, json.Unmarshal([]byte(task.Str("containerDefinitions")), &containers))
					env = map[string]string{}
					for _, e := range containers[0].Environment {
						env[e.Name] = e.Value
					}
				}
				require.NotNil(t, env, region)
				local := clusters[region]
				if region == "us-east-1" {
					assert.Equal(t, global.Outputs["endpoint"], env["DB_WRITER_HOST"], "the writer region: the global writer endpoint, which resolves to its own network")
				} else {
					assert.Equal(t, local.Outputs["readerEndpoint"], env["DB_WRITER_HOST"], "%s writes through its own cluster", region)
					assert.True(t, local.Bool("enableGlobalWriteForwarding"), "%s's cluster forwards writes to the writer", region)
				}
				reachable := false
				for _, r := range res.Recorder.InRegion(TypeIngress, region) {
					reachable = reachable || r.Str("securityGroupId") == dbSG[region] && r.Str("referencedSecurityGroupId") == taskSG[region] && r.Int("fromPort") == awsc.PostgresPort
				}
				assert.True(t, reachable, "%s's tasks reach their cluster on %d", region, awsc.PostgresPort)
				connect := fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:%s/app", region, mock.Account, local.Outputs["clusterResourceId"])
				granted := false
				for _, p := range res.Recorder.OfType(TypeRolePolicy) { // IAM is global: the role's name says its region
					granted = granted || p.Name == "contract-"+region+"-task-policy" && strings.Contains(p.Str("policy"), connect)
				}
				assert.True(t, granted, "%s's tasks may connect to their cluster with IAM", region)
			}
		})
	}
}

// sessionTable is the stack's session table (a stack of three regions or
// more also has the region watches' table).
func sessionTable(t *testing.T, res *plan.Result) *mock.Resource {
	t.Helper()
	return One(t, Filter(res.Recorder.OfType(TypeTable), func(r *mock.Resource) bool { return strings.HasSuffix(r.Name, "-sessions") }), "session table")
}

// The region directory is written after its bucket's default encryption,
// so it takes the region's key like every other object.
func TestTheDirectoryObjectWaitsForItsBucketsEncryption(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	objects := Filter(res.Recorder.OfType("aws:s3/bucketObjectv2:BucketObjectv2"), func(o *mock.Resource) bool {
		return strings.HasSuffix(o.Str("key"), ".well-known/mobile-backend.json")
	})
	require.Len(t, objects, 2)
	for _, o := range objects {
		sse := One(t, Filter(res.Recorder.OfType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"), func(c *mock.Resource) bool {
			return c.Region == o.Region && c.Get("bucket") == o.Get("bucket")
		}), "encryption of "+o.Region)
		assert.Contains(t, o.DependsOn, sse.URN, o.Region)
	}
}

// The app's IAM database user exists after the first pulumi up: a Lambda
// function in the writer's private subnets, which the deployment invokes,
// makes it (internal/dbusers runs the handler against PostgreSQL).
func TestTheAppsDatabaseUserIsMadeByAJobTheDeploymentInvokes(t *testing.T) {
	t.Parallel()
	res := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	fn := One(t, OfComponent(res.Recorder.OfType("aws:lambda/function:Function"), "mobile-backend:aws:DatabaseUsers"), "database users function")
	assert.Equal(t, "us-east-1", fn.Region, "the writer's region")
	assert.Equal(t, "index.handler", fn.Str("handler"))
	assert.Equal(t, awsc.DatabaseUsersRuntime, fn.Str("runtime"))
	var writer *mock.Resource
	for _, c := range res.Recorder.OfType(TypeDBCluster) {
		if c.Region == "us-east-1" {
			writer = c
		}
	}
	require.NotNil(t, writer)
	env := fn.Get("environment.variables").(map[string]any)
	assert.Equal(t, writer.Outputs["endpoint"], env["DB_HOST"], "the writer cluster's own endpoint")
	assert.Equal(t, dbusers.AuroraUsersSQL("app", awsc.AppDatabaseUser), env["DB_GRANTS_SQL"])
	assert.Equal(t, "https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem", env["RDS_CA_URL"])
	assert.NotContains(t, env, "DB_PASSWORD", "the password is read at run time, never an environment variable")
	secret := One(t, res.Recorder.OfType("aws:secretsmanager/secret:Secret"), "master secret")
	assert.Equal(t, secret.Outputs["arn"], env["ADMIN_SECRET_ARN"])
	assert.Len(t, fn.Get("vpcConfig.subnetIds"), 3, "the writer region's private subnets, one per zone")

	policy := res.Recorder.Named("aws:iam/rolePolicy:RolePolicy", "contract-db-users-policy")
	require.NotNil(t, policy)
	assert.Contains(t, policy.Str("policy"), `"Action":["secretsmanager:GetSecretValue"],"Resource":["`+secret.Outputs["arn"].(string)+`"]`, "the master secret and no other")
	assert.NotContains(t, policy.Str("policy"), "rds-db:connect")

	inv := One(t, OfComponent(res.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:DatabaseUsers"), "invocation")
	assert.Equal(t, fn.Outputs["name"], inv.Str("functionName"))
	assert.Regexp(t, `^[0-9a-f]{16}$`, inv.Get("triggers.digest"), "a new statement or script invokes it again")
	g := policies.NewGraph(res.Recorder.Resources())
	for _, i := range res.Recorder.OfType("aws:rds/clusterInstance:ClusterInstance") {
		if i.Region == "us-east-1" {
			assert.True(t, g.DependsOn(inv, i), "the writer's instances answer before the job signs in: %s", i.Name)
		}
	}
	other := ContractPlan(t, "aws", "active-active", "us-east-1", "eu-west-1")
	assert.Equal(t, inv.Get("triggers.digest"), One(t, OfComponent(other.Recorder.OfType("aws:lambda/invocation:Invocation"), "mobile-backend:aws:DatabaseUsers"), "invocation").Get("triggers.digest"), "the same statements: no new invocation")
}
