package aws

import (
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// breakGlassStatements are what the API's tasks need for ECS Exec, when
// args.BreakGlass is set ("Using Amazon ECS Exec": the SSM agent's
// channels, the session log and its key): with BreakGlassUntil, the agent
// may open sessions only until then (aws:CurrentTime), so the way in
// closes by itself. They join the task role's existing policy, and the
// sessions log to the task's log group, so opening or closing the way in
// only updates what exists (a down region's frozen resources stay as they
// are).
func breakGlassStatements(args RegionalComputeArgs, logGroupArn, keyArn string) []Statement {
	if !args.BreakGlass {
		return nil
	}
	var before map[string]map[string]string
	if !args.BreakGlassUntil.IsZero() {
		before = map[string]map[string]string{"DateLessThan": {"aws:CurrentTime": args.BreakGlassUntil.UTC().Format(time.RFC3339)}}
	}
	return []Statement{
		{Sid: "ExecSessions", Effect: "Allow", Resource: []string{"*"}, Condition: before, Action: []string{
			"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}},
		{Sid: "LogExecSessions", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}, Resource: []string{logGroupArn + ":*"}},
		{Sid: "FindTheLogGroup", Effect: "Allow", Action: []string{"logs:DescribeLogGroups"}, Resource: []string{"*"}},
		{Sid: "DecryptSessions", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{keyArn}},
	}
}

// breakGlassCluster is the cluster's ECS Exec configuration when
// args.BreakGlass is set: sessions encrypted with the region's key and
// logged to the task's log group. Operators need ecs:ExecuteCommand on the
// cluster, from their own IAM (not granted here).
func breakGlassCluster(args RegionalComputeArgs, logGroup pulumi.StringInput) *ecs.ClusterConfigurationArgs {
	if !args.BreakGlass {
		return nil
	}
	return &ecs.ClusterConfigurationArgs{ExecuteCommandConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationArgs{
		KmsKeyId: args.LogKeyArn,
		Logging:  pulumi.String("OVERRIDE"),
		LogConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs{
			CloudWatchLogGroupName: logGroup, CloudWatchEncryptionEnabled: pulumi.Bool(true),
		},
	}}
}
