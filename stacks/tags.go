package stacks

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// ComponentTag is the cost-allocation tag (label on Google Cloud) that names
// the component a resource belongs to ("regional-compute", "global-database").
const ComponentTag = "component"

// notResourceLabels are Google Cloud types whose labels input is not the
// resource's labels (a notification channel's labels are its settings; its
// userLabels are its labels).
var notResourceLabels = map[string]bool{"gcp:monitoring/notificationChannel:NotificationChannel": true}

var stringMapInput = reflect.TypeOf((*pulumi.StringMapInput)(nil)).Elem()

// costAllocation stamps every resource that takes tags (labels on Google
// Cloud) with the component that made it and, on Azure, the stack's tags and
// its region; on AWS and Google Cloud the stack, environment and region tags
// come from each provider's defaults. Existing values win.
func costAllocation(s spec.Spec) pulumi.ResourceTransformation {
	cloud := s.Cloud
	field := "Tags"
	if cloud == spec.GCP {
		field = "Labels"
	}
	return func(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
		props := reflect.ValueOf(args.Props)
		if props.Kind() != reflect.Pointer || props.IsNil() || props.Elem().Kind() != reflect.Struct {
			return nil
		}
		tags := props.Elem().FieldByName(field)
		if cloud == spec.GCP && (!tags.IsValid() || notResourceLabels[args.Type]) {
			tags = props.Elem().FieldByName("UserLabels") // alert policies, uptime checks, channels
		}
		if !tags.IsValid() || tags.Type() != stringMapInput || !tags.CanSet() {
			return nil
		}
		add := map[string]string{ComponentTag: "stack"}
		if cloud == spec.Azure {
			// Azure has no provider-level default tags: every resource
			// carries the stack's set itself.
			for k, v := range s.StandardTags() {
				add[k] = v
			}
		}
		if opts, err := pulumi.NewResourceOptions(args.Opts...); err == nil && opts.Parent != nil {
			add[ComponentTag] = kebab(reflect.TypeOf(opts.Parent).Elem().Name())
		}
		if loc := props.Elem().FieldByName("Location"); cloud == spec.Azure && loc.IsValid() {
			if l, ok := loc.Interface().(pulumi.String); ok && l != "global" {
				add["region"] = strings.ToLower(string(l))
			}
		}
		tags.Set(reflect.ValueOf(withDefaults(tags.Interface(), add)))
		return &pulumi.ResourceTransformationResult{Props: args.Props, Opts: args.Opts}
	}
}

// withDefaults adds the keys a tag map lacks.
func withDefaults(current any, add map[string]string) pulumi.StringMapInput {
	switch m := current.(type) {
	case nil:
		return pulumi.ToStringMap(add)
	case pulumi.StringMap:
		out := pulumi.StringMap{}
		for k, v := range add {
			out[k] = pulumi.String(v)
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	case pulumi.StringMapInput:
		return m.ToStringMapOutput().ApplyT(func(cur map[string]string) map[string]string {
			out := map[string]string{}
			for k, v := range add {
				out[k] = v
			}
			for k, v := range cur {
				out[k] = v
			}
			return out
		}).(pulumi.StringMapOutput)
	}
	return pulumi.ToStringMap(add)
}

// kebab turns a Go type name into a tag value: RegionalCompute ->
// regional-compute, LatencyDNS -> latency-dns.
func kebab(name string) string {
	name = strings.NewReplacer("DDoS", "Ddos", "DNS", "Dns").Replace(name)
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TagsIn are the stack's standard tags with the region a provider manages.
func TagsIn(s spec.Spec, region string) map[string]string {
	tags := s.StandardTags()
	tags["region"] = region
	return tags
}
