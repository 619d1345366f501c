package policies

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// ExplicitOrdering: a resource whose inputs name another resource depends on
// it. The engine orders resources only by the outputs they consume and by
// DependsOn; a name written as a plain string (an alarm rule's member
// alarms, a predicted host name, an ARN assembled by hand) hides the
// dependency, so the engine may create the resource first and the cloud
// refuses it (CloudWatch PutCompositeAlarm: "alarms [...] in the alarm rule
// do not exist").
var ExplicitOrdering = Policy{
	Name: "explicit-ordering",
	Description: "A resource whose inputs (recursively, JSON documents included) contain another resource's name, id, ARN, " +
		"self link, e-mail or cloud-assigned host name depends on that resource, through an output it consumes or DependsOn.",
	Severity: Mandatory,
	Source:   "https://www.pulumi.com/docs/iac/concepts/inputs-outputs/ (dependencies are tracked through outputs and dependsOn only)",
	Check: func(s Stack) []Violation {
		g := NewGraph(s.Resources)
		byValue := map[string][]*mock.Resource{}
		for _, r := range s.Resources {
			for _, v := range identities(r) {
				byValue[v] = append(byValue[v], r)
			}
		}
		// A name that several resources of one type share (every region's
		// subscription filter called "to-central-logs") is a local name, not
		// one resource's identity.
		for v, owners := range byValue {
			types := map[string]int{}
			for _, o := range owners {
				types[o.Type]++
			}
			for _, n := range types {
				if n > 1 {
					delete(byValue, v)
					break
				}
			}
		}
		ix := newIndex(byValue)
		var vs []Violation
		for _, r := range s.Resources {
			if !r.Custom || isProvider(r) {
				continue
			}
			reported := map[string]bool{}
			own := ownNames(r)
			walkStrings(r.Inputs, "", func(path, text string) {
				// A value not computed yet came from a resource this one
				// already consumes (a preview's "ref:<urn>").
				if own[path] || mock.Unresolved(text) {
					return
				}
				for _, v := range ix.mentions(text) {
					owners := byValue[v]
					// Ordered either way is explicit: a grant may come
					// first on purpose and the resource it names wait for
					// it (a role's policy naming its state machine's ARN,
					// which Step Functions checks the role against when it
					// creates the machine).
					if containsResource(owners, r) || g.DependsOnAny(r, owners) || g.allWaitFor(owners, r) {
						continue
					}
					// One violation per pair: the first path that shows it.
					key := owners[0].URN
					if reported[key] {
						continue
					}
					reported[key] = true
					vs = append(vs, violation(r, "input %s names %s %s (%q) without depending on it: pass its output, or add DependsOn",
						path, owners[0].Type, owners[0].Name, v))
				}
			})
		}
		return vs
	},
}

// identityKeys are the outputs that identify a resource to its cloud: what
// another resource names when it refers to it.
var identityKeys = []string{
	"name", "arn", "selfLink", "email", "keyUri", "alarmName", "bucket", "clusterIdentifier",
	"globalClusterIdentifier", "identifier", "dashboardName", "topic", "policyId",
}

// assignedHostKeys are host names and endpoints: they identify a resource
// only when the cloud assigned them (an output that is not an input), since a
// host name the stack chose (a DNS record's, a custom domain's) is a name in
// DNS, not a reference to the resource.
var assignedHostKeys = []string{
	"fqdn", "hostName", "dnsName", "uri", "endpoint", "readerEndpoint", "fullyQualifiedDomainName",
	"connectionName", "bucketRegionalDomainName", "domainName", "latestRevisionFqdn",
}

// dnsRecordTypes name a host name, which other resources repeat without
// referring to the record (a certificate for the same name, say).
var dnsRecordTypes = map[string]bool{
	"aws:route53/record:Record":                               true,
	"gcp:dns/recordSet:RecordSet":                             true,
	"azure-native:network:RecordSet":                          true,
	"aws:route53/healthCheck:HealthCheck":                     true, // its "fqdn" input is a host name it probes
	"gcp:compute/managedSslCertificate:ManagedSslCertificate": true,
}

// minIdentityLength: shorter values ("app", "data", "api") are words, not
// identifiers, and would match everywhere.
const minIdentityLength = 6

// genericNames are names that many resources share by convention (a child
// resource called "default", an origin called "static"): a word, not a
// reference to one resource.
// (Azure's Front Door rule set "directory" too: the failover job's script
// says "directory" as a word.)
var genericNames = map[string]bool{"default": true, "static": true, "primary": true, "secondary": true, "global": true, "directory": true}

// regionNames are every cloud's region names: an origin or a subnet named
// after its region is no reference when another resource names that region.
var regionNames = func() map[string]bool {
	out := map[string]bool{}
	for _, rs := range spec.Regions {
		for _, r := range rs {
			out[r.Name] = true
		}
	}
	return out
}()

// identities are the values that identify a resource, as the cloud (here the
// mock) answered them.
func identities(r *mock.Resource) []string {
	if !r.Custom || isProvider(r) || r.ID == "none" || strings.HasPrefix(r.Type, "random:") {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(v any) {
		s, ok := v.(string)
		if !ok || len(s) < minIdentityLength || seen[s] || mock.Unresolved(s) || s == "[secret]" || genericNames[s] || regionNames[s] {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	add(r.ID)
	if dnsRecordTypes[r.Type] {
		return out
	}
	for _, k := range identityKeys {
		add(r.Outputs[k])
	}
	for _, k := range assignedHostKeys {
		if _, input := r.Inputs[k]; !input {
			add(r.Outputs[k])
		}
	}
	return out
}

// namingInputs are the inputs in which a resource always names itself.
var namingInputs = []string{"name", "namePrefix", "accountId", "alarmName", "family", "functionName"}

// ownNames are the top-level inputs that hold the resource's own name: the
// naming inputs, and any other whose value is one of its identities (an
// Azure resource's <kind>Name, an RDS cluster's clusterIdentifier). A
// resource that shares a name with another does not refer to it.
func ownNames(r *mock.Resource) map[string]bool {
	own := map[string]bool{}
	for _, k := range namingInputs {
		own[k] = true
	}
	mine := map[string]bool{}
	for _, v := range identities(r) {
		mine[v] = true
	}
	if name, ok := r.Outputs["name"].(string); ok {
		mine[name] = true
	}
	for k, v := range r.Inputs {
		if s, ok := v.(string); ok && mine[s] && k != "resourceGroupName" {
			own[k] = true
		}
	}
	return own
}

// notReferences are inputs that describe or label a resource: a name there is
// prose or a cost tag, not a reference.
func notReferences(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "description") || strings.Contains(k, "displayname") ||
		k == "tags" || k == "labels" || k == "userlabels" || k == "defaulttags" || k == "tagsall"
}

// walkStrings calls fn with every string inside a value and its path; a
// string that holds a JSON document (an IAM policy, an alarm rule, a
// dashboard body, a workflow source) is walked as well.
func walkStrings(v any, path string, fn func(path, text string)) {
	switch c := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(c) {
			if notReferences(k) {
				continue
			}
			walkStrings(c[k], join(path, k), fn)
		}
	case []any:
		for i, e := range c {
			walkStrings(e, join(path, fmt.Sprint(i)), fn)
		}
	case string:
		t := strings.TrimSpace(c)
		if len(t) > 1 && (t[0] == '{' || t[0] == '[') {
			var doc any
			if json.Unmarshal([]byte(t), &doc) == nil {
				walkStrings(doc, path, fn)
				return
			}
		}
		fn(path, c)
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// index finds identity values inside text as whole tokens, without trying
// every value on every string: a value is filed under its first run of name
// characters and found only where text has that run.
type index struct {
	byToken map[string][]indexed
}

type indexed struct {
	value  string
	offset int // where the value's first token starts within it
}

func newIndex(values map[string][]*mock.Resource) index {
	ix := index{byToken: map[string][]indexed{}}
	for v := range values {
		start := strings.IndexFunc(v, func(r rune) bool { return r < 128 && nameChar(byte(r)) })
		if start < 0 {
			continue
		}
		end := start
		for end < len(v) && nameChar(v[end]) {
			end++
		}
		ix.byToken[v[start:end]] = append(ix.byToken[v[start:end]], indexed{v, start})
	}
	return ix
}

// mentions returns the identity values that occur in text as whole tokens:
// not inside a longer name ("prod-api" does not mention "prod-ap").
func (ix index) mentions(text string) []string {
	if len(text) < minIdentityLength {
		return nil
	}
	type span struct {
		value      string
		start, end int
	}
	var found []span
	for i := 0; i < len(text); {
		if !nameChar(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && nameChar(text[j]) {
			j++
		}
		for _, c := range ix.byToken[text[i:j]] {
			start := i - c.offset
			end := start + len(c.value)
			if start < 0 || end > len(text) || text[start:end] != c.value {
				continue
			}
			if (start == 0 || !nameChar(text[start-1])) && (end == len(text) || !nameChar(text[end])) {
				found = append(found, span{c.value, start, end})
			}
		}
		i = j
	}
	// A value inside a longer one names the longer one's resource (a service
	// account's name inside its e-mail), not its own.
	seen := map[string]bool{}
	var out []string
	for _, f := range found {
		inside := false
		for _, g := range found {
			inside = inside || g.start <= f.start && f.end <= g.end && g.end-g.start > f.end-f.start
		}
		if !inside && !seen[f.value] {
			seen[f.value] = true
			out = append(out, f.value)
		}
	}
	sort.Strings(out)
	return out
}

func nameChar(c byte) bool {
	return c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func containsResource(rs []*mock.Resource, r *mock.Resource) bool {
	for _, o := range rs {
		if o.URN == r.URN {
			return true
		}
	}
	return false
}

func isProvider(r *mock.Resource) bool { return strings.HasPrefix(r.Type, "pulumi:providers:") }

// Graph answers dependency questions over the recorded resources: what a
// resource waits for before the engine creates it.
type Graph struct {
	byURN    map[string]*mock.Resource
	children map[string][]string
	closure  map[string]map[string]bool
}

// NewGraph indexes resources for dependency questions.
func NewGraph(rs []*mock.Resource) *Graph {
	g := &Graph{byURN: map[string]*mock.Resource{}, children: map[string][]string{}, closure: map[string]map[string]bool{}}
	for _, r := range rs {
		g.byURN[r.URN] = r
		g.children[r.Parent] = append(g.children[r.Parent], r.URN)
	}
	return g
}

// Direct are the URNs a resource depends on as recorded: its DependsOn and
// the resources its inputs came from, sorted, its parent and itself excluded.
func Direct(r *mock.Resource) []string {
	set := map[string]bool{}
	for _, u := range r.DependsOn {
		set[u] = true
	}
	for _, us := range r.PropertyDeps {
		for _, u := range us {
			set[u] = true
		}
	}
	delete(set, r.Parent)
	delete(set, r.URN)
	out := make([]string, 0, len(set))
	for u := range set {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// Waits returns every URN a resource waits for, transitively; a dependency on
// a component waits for everything below it, as the engine does.
func (g *Graph) Waits(r *mock.Resource) map[string]bool {
	if c, ok := g.closure[r.URN]; ok {
		return c
	}
	seen := map[string]bool{}
	stack := Direct(r)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[u] {
			continue
		}
		seen[u] = true
		stack = append(stack, g.children[u]...)
		if d := g.byURN[u]; d != nil {
			stack = append(stack, Direct(d)...)
		}
	}
	g.closure[r.URN] = seen
	return seen
}

// DependsOn reports whether r waits for d.
func (g *Graph) DependsOn(r, d *mock.Resource) bool { return g.Waits(r)[d.URN] }

// DependsOnAny reports whether r waits for any of ds.
// allWaitFor reports whether every resource of ds waits for r.
func (g *Graph) allWaitFor(ds []*mock.Resource, r *mock.Resource) bool {
	for _, d := range ds {
		if !g.Waits(d)[r.URN] {
			return false
		}
	}
	return len(ds) > 0
}

func (g *Graph) DependsOnAny(r *mock.Resource, ds []*mock.Resource) bool {
	w := g.Waits(r)
	for _, d := range ds {
		if w[d.URN] {
			return true
		}
	}
	return false
}
