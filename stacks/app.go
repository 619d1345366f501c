package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// AppSecretValues are the app's secrets by name, each a secret output: the
// value leaves the spec only marked secret, so the engine encrypts it in the
// state and the plan shows "[secret]".
func AppSecretValues(s spec.Spec) map[string]pulumi.StringInput {
	out := map[string]pulumi.StringInput{}
	for _, k := range s.Runtime.Secrets {
		out[k] = pulumi.ToSecret(pulumi.String(s.Runtime.SecretValue(k))).(pulumi.StringOutput)
	}
	return out
}

// AppEnv is the app's own environment (appEnv), as inputs.
func AppEnv(s spec.Spec) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range s.Runtime.Env {
		out[k] = pulumi.String(v)
	}
	return out
}

// AlertWebhooks are the alert endpoints (alertWebhooks), each a secret
// output: the URL carries the integration's key.
func AlertWebhooks(s spec.Spec) []pulumi.StringInput {
	var out []pulumi.StringInput
	for _, u := range s.Runtime.AlertWebhooks {
		out = append(out, pulumi.ToSecret(pulumi.String(u)).(pulumi.StringOutput))
	}
	return out
}
