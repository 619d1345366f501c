// Package deps holds what the components share to say what waits for what.
package deps

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Of is a list of resources of one type as what DependsOn takes.
func Of[T pulumi.Resource](xs []T) []pulumi.Resource {
	out := make([]pulumi.Resource, 0, len(xs))
	for _, x := range xs {
		out = append(out, x)
	}
	return out
}
