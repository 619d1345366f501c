package policies

import (
	"slices"
)

// NoOpenIngress: nothing but a load balancer's 80 and 443 is open to the internet.
var NoOpenIngress = Policy{
	Name:        "no-open-ingress",
	Description: "Only a load balancer's 80/443 admit the internet; no inline ingress; no open firewall; storage denies by default.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		lbGroups := map[any]bool{}
		for _, lb := range s.OfType("aws:lb/loadBalancer:LoadBalancer") {
			if groups, ok := lb.Get("securityGroups").([]any); ok {
				for _, g := range groups {
					lbGroups[g] = true
				}
			}
		}
		for _, r := range s.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			if r.Str("cidrIpv4") != "0.0.0.0/0" && r.Str("cidrIpv6") != "::/0" {
				continue
			}
			port := r.Int("fromPort")
			if !lbGroups[r.Get("securityGroupId")] || port != r.Int("toPort") || (port != 80 && port != 443) {
				vs = append(vs, violation(r, "rule opens port %d-%d to the internet outside a load balancer's 80/443", port, r.Int("toPort")))
			}
		}
		for _, g := range s.OfType("aws:ec2/securityGroup:SecurityGroup") {
			if ingress, ok := g.Get("ingress").([]any); ok && len(ingress) > 0 {
				vs = append(vs, violation(g, "security group has inline ingress rules; declare them as reviewable rule resources"))
			}
		}
		for _, f := range s.OfType("gcp:compute/firewall:Firewall") {
			if ranges, ok := f.Get("sourceRanges").([]any); ok && slices.Contains(ranges, any("0.0.0.0/0")) && f.Str("direction") != "EGRESS" {
				vs = append(vs, violation(f, "firewall rule admits the internet"))
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("networkRuleSet.defaultAction") != "Deny" {
				vs = append(vs, violation(a, "storage account admits every network"))
			}
		}
		return vs
	},
}

// awsManagedGroups are the rule groups every AWS web ACL must run.
