package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/policies"
)

// freeKinds are resource kinds with no charge of their own (identities,
// grants, network plumbing, rules that configure another resource): the
// summary leaves them out of the billable counts. Matched by type prefix.
var freeKinds = []string{
	"pulumi:providers:", "random:",
	"aws:acm/certificate:", "aws:route53/record:", "aws:secretsmanager/secretVersion:",
	"gcp:sql/user:", "gcp:sql/database:", "gcp:servicenetworking/", "gcp:secretmanager/secretVersion:",
	"aws:iam/", "aws:ec2/securityGroup:", "aws:vpc/securityGroup", "aws:ec2/subnet:", "aws:ec2/vpc:",
	"aws:ec2/routeTable", "aws:ec2/route:", "aws:ec2/internetGateway:", "aws:ec2/mainRouteTableAssociation:",
	"aws:ec2/defaultSecurityGroup:", "aws:s3/bucketPublicAccessBlock:", "aws:s3/bucketVersioningV2:",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:", "aws:s3/bucketPolicy:", "aws:s3/bucketOwnershipControls:",
	"aws:lb/listener:", "aws:lb/targetGroup:", "aws:wafv2/webAclAssociation:", "aws:appautoscaling/",
	"aws:acm/certificateValidation:", "aws:sns/topicPolicy:", "aws:sns/topicSubscription:", "aws:kms/alias:",
	"aws:rds/clusterParameterGroup:", "aws:rds/subnetGroup:", "aws:ecs/clusterCapacityProviders:",
	"gcp:projects/", "gcp:serviceaccount/", "gcp:storage/bucketIAM", "gcp:cloudrunv2/serviceIamMember:",
	"gcp:compute/network:", "gcp:compute/subnetwork:", "gcp:compute/firewall:", "gcp:compute/sSLPolicy:",
	"gcp:pubsub/topicIAM", "gcp:kms/cryptoKeyIAM", "gcp:spanner/databaseIAM",
	"azure-native:authorization:", "azure-native:resources:", "azure-native:network:VirtualNetwork",
	"azure-native:network:Subnet", "azure-native:network:PrivateDnsZoneGroup", "azure-native:network:VirtualNetworkLink",
}

func billable(typ string) bool {
	for _, k := range freeKinds {
		if strings.HasPrefix(typ, k) {
			return false
		}
	}
	return true
}

// WriteSummary writes the plan as Markdown for a pull-request comment: what
// each region costs in resources, the inter-region paths that carry
// data-transfer charges, the resilience budget and the policy results, and
// the release: its waves, and with a base what the change rolls.
func (r *Result) WriteSummary(w io.Writer) {
	s := r.Spec
	var roles []string
	for _, reg := range s.Regions {
		roles = append(roles, fmt.Sprintf("%s (%s)", reg.Name, reg.Role))
	}
	fmt.Fprintf(w, "### `%s`: %s %s\n\nRegions: %s\n", r.Config.Stack, s.Cloud, s.Topology, strings.Join(roles, ", "))
	r.writeRelease(w)
	fmt.Fprintln(w)

	columns := []string{""}
	header := "| billable kind | global |"
	for _, reg := range s.Regions {
		columns = append(columns, reg.Name)
		header += " " + reg.Name + " |"
	}
	counts := map[string]map[string]int{}
	totals := map[string]int{}
	for _, res := range r.Recorder.Resources() {
		if !res.Custom || !billable(res.Type) {
			continue
		}
		if counts[res.Type] == nil {
			counts[res.Type] = map[string]int{}
		}
		counts[res.Type][res.Region]++
		totals[res.Region]++
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, "|---"+strings.Repeat("|---:", len(columns))+"|")
	for _, typ := range spec.SortedKeys(counts) {
		fmt.Fprintf(w, "| `%s` |", typ)
		for _, c := range columns {
			fmt.Fprintf(w, " %s |", count(counts[typ][c]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "| **total** |")
	for _, c := range columns {
		fmt.Fprintf(w, " **%d** |", totals[c])
	}
	fmt.Fprintln(w)

	d := r.Diagram()
	fmt.Fprintln(w, "\nInter-region replication (data-transfer charges):")
	if len(d.Edges)+len(d.Shared) == 0 {
		fmt.Fprintln(w, "- none")
	}
	for _, e := range d.Edges {
		fmt.Fprintf(w, "- %s: %s → %s (%s)\n", map[string]string{"db": "database", "store": "storage"}[e.Kind], e.From, e.To, e.Label)
	}
	for _, sh := range d.Shared {
		fmt.Fprintf(w, "- across regions: %s\n", sh)
	}

	fmt.Fprintln(w, "\n| resilience | computed | objective |\n|---|---:|---:|")
	fmt.Fprintf(w, "| RTO | %d s | %d s |\n| RPO | %d s | %d s |\n",
		r.Resilience.RTO.Computed, r.Resilience.RTO.Objective, r.Resilience.RPO.Computed, r.Resilience.RPO.Objective)

	fmt.Fprintf(w, "\nPolicies: %d checked, %d violations", len(policies.All), len(r.Policies()))
	if policies.Failed(r.Policies()) {
		fmt.Fprint(w, " (**a mandatory policy failed**)")
	}
	fmt.Fprintln(w)
	for _, v := range r.Policies() {
		where := "stack"
		if res := r.Recorder.ByURN(v.Resource); res != nil {
			where = "`" + res.Type + " " + res.Name + "`"
		}
		fmt.Fprintf(w, "- %s `%s` %s: %s\n", v.Severity, v.Policy, where, v.Message)
	}
}

func count(n int) string {
	if n == 0 {
		return "·"
	}
	return fmt.Sprint(n)
}
