package aws

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	awsc "github.com/mobile-backend/mobile-backend/components/aws"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// newStamp is one region's stamp: compute behind a firewall, its tasks
// given the data tier's endpoints and grants for their region, its new
// versions after the previous release wave's gates (after).
func newStamp(ctx *pulumi.Context, s spec.Spec, g *global, r awsc.Region, after []pulumi.Resource) (*awsc.Stamp, error) {
	r.Role = s.Region(r.Name).Role
	env := g.db.EnvironmentWithRole(r.Name, s.Database.Name, s.Topology, r.Role)
	env["ROLE"] = pulumi.String(r.Role)
	env["UPLOADS_BUCKET"] = g.storage.Bucket(r.Name)
	grants := []any{g.db.TaskStatements(r.Name, g.account), g.storage.TaskStatements(r.Name, r.KeyArn)}
	if g.table != nil {
		for k, v := range g.table.Environment() {
			env[k] = v
		}
		grants = append(grants, g.table.TaskStatements(r.Name))
	}
	for k, v := range stacks.AppEnv(s) {
		env[k] = v
	}
	var secrets []awsc.ContainerSecret
	if len(s.Runtime.Secrets) > 0 {
		stored, err := awsc.NewAppSecrets(ctx, s.Stack+"-"+r.Name+"-app-secrets", awsc.AppSecretsArgs{
			Region: r.Name, KeyArn: r.KeyArn, Prefix: "mobile-backend/" + s.Stack + "/", Values: stacks.AppSecretValues(s), Protect: s.Protect,
		}, r.In())
		if err != nil {
			return nil, err
		}
		secrets = stored.Secrets
	}
	for _, k := range spec.SortedKeys(s.Runtime.SecretRefs) {
		secrets = append(secrets, awsc.ExistingSecret(k, s.Runtime.SecretRefs[k], r.Name, g.account))
	}
	workload := s.WorkloadFor(r.Role)
	if s.Runtime.ImageReplicated {
		// Each region pulls from its own replica: no region's loss stops
		// another's tasks from starting.
		workload.Image = awsc.RegionalImage(workload.Image, r.Name)
	}
	return awsc.NewStamp(ctx, s.Stack+"-"+r.Name, awsc.StampArgs{
		Region: r, CertificateArn: g.certs.Arn(r.Name),
		Compute: awsc.RegionalComputeArgs{
			Account:  g.account,
			Workload: workload, CPUTargetPercent: s.CPUTargetPercent, HealthCheck: s.HealthCheck,
			LogRetentionDays: s.LogRetentionDays, DeletionProtection: s.Production(), Protect: s.Protect,
			StackName: s.Stack, EnvironmentName: s.Environment, Environment: env, TaskPolicy: policyOf(grants),
			Secrets: secrets, SecretsKeyArn: r.KeyArn, Alarms: s.Alarms, Workers: s.Workers(), BreakGlass: s.BreakGlass.On(), BreakGlassUntil: s.BreakGlass.Until,
		},
		Release: awsc.ReleaseArgs{After: after, BakeSeconds: s.Release.BakeSeconds},
		Firewall: awsc.WebFirewallArgs{Mode: s.WAF.Mode, RateLimit: s.WAF.RateLimit, GeoBlock: s.WAF.GeoBlock, LogRetentionDays: s.LogRetentionDays,
			LargeBodyRegex: largeBodyRegex(s), AppGate: s.AppGate(), Attestation: s.AppAttestation(), TokenDomains: []string{s.Domain}},
	})
}

// policyOf joins the task permissions that components grant (each an output
// of []awsc.Statement) into one IAM policy document.
func policyOf(grants []any) pulumi.StringOutput {
	return pulumi.All(grants...).ApplyT(func(v []any) string {
		var all []awsc.Statement
		for _, g := range v {
			all = append(all, g.([]awsc.Statement)...)
		}
		return awsc.Policy(all...)
	}).(pulumi.StringOutput)
}

// largeBodyRegex is the WAF's expression of the paths that may take large
// bodies, or "" when none is configured.
func largeBodyRegex(s spec.Spec) string {
	if len(s.WAF.LargeBodyPaths) == 0 {
		return ""
	}
	return spec.LargeBodyRegex(s.WAF.LargeBodyPaths)
}
