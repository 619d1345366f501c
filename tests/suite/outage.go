package suite

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/plan"
	"github.com/mobile-backend/mobile-backend/internal/spec"
	"github.com/mobile-backend/mobile-backend/internal/stackfile"
	"github.com/mobile-backend/mobile-backend/stacks"
)

// duringOutage is a stack's config with its writer's region lost: the
// writer moved to the next region and the lost one in regionsDown, as the
// README's runbook sets them.
func duringOutage(t testing.TB, c *stackfile.Config) (*stackfile.Config, string, string) {
	t.Helper()
	regions := regionsOf(t, c)
	lost := regions[0]
	if raw := c.Values[spec.Namespace+":writerRegion"]; raw != "" {
		lost = raw
	}
	next := regions[0]
	for i, r := range regions {
		if r == lost {
			next = regions[(i+1)%len(regions)]
		}
	}
	down, _ := json.Marshal([]string{lost})
	out := withValue(withValue(withValue(c, "writerRegion", next), "regionsDown", string(down)), "regionsDownWriter", lost)
	if strings.Contains(c.Values[spec.Namespace+":cloud"], "aws") {
		// What the mock answers for the account and the zone: nothing but
		// the outage differs.
		zone := c.Values[spec.Namespace+":dnsZone"]
		if zone == "" {
			domain := c.Values[spec.Namespace+":domain"]
			zone = domain[strings.Index(domain, ".")+1:]
		}
		out = withValue(withValue(out, "awsAccountId", mock.Account), "awsHostedZoneId", mock.HostedZoneID(zone))
	}
	return out, lost, next
}

// assertRecoversWithoutTheLostRegion plans a stack during its writer's
// region's outage and holds the lost region to what before (its plan as
// deployed) registered there: no resource in it changes an input, none is
// created or removed, and no invoke goes through its provider. The
// writer's move keeps every stateful resource elsewhere too.
func assertRecoversWithoutTheLostRegion(t *testing.T, before *plan.Result) {
	t.Helper()
	c, lost, next := duringOutage(t, before.Config)
	after, err := plan.Run(c)
	require.NoError(t, err, "%s with %s down", c.Stack, lost)

	in := func(res []*mock.Resource) map[string]*mock.Resource {
		m := map[string]*mock.Resource{}
		for _, r := range res {
			if r.Region == lost && r.Custom {
				m[r.URN] = r
			}
		}
		return m
	}
	was, is := in(before.Recorder.Resources()), in(after.Recorder.Resources())
	require.NotEmpty(t, was, "%s registers resources in %s", c.Stack, lost)
	for urn, r := range was {
		a, ok := is[urn]
		if !assert.True(t, ok, "%s: %s in the lost region %s is deleted during the outage", c.Stack, r.Name, lost) {
			continue
		}
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			// The provider of a down region skips the checks that call it;
			// nothing else of it may change.
			for _, path := range changedInputs(r.Inputs, a.Inputs, "") {
				assert.True(t, strings.HasPrefix(path, "skip"), "%s: the provider of %s changes %s", c.Stack, lost, path)
			}
			continue
		}
		// The engine keeps every input as deployed, whatever the program says
		// (a hotfix's new image included)...
		assert.Subset(t, a.IgnoreChanges, stacks.FrozenChanges, "%s: %s (%s) in %s is not kept as deployed", c.Stack, r.Name, r.Type, lost)
		// ...and the program says what was deployed.
		for _, path := range changedInputs(r.Inputs, a.Inputs, "") {
			assert.Fail(t, "a resource in the lost region changes", "%s: %s (%s) in %s: %s %v -> %v", c.Stack, r.Name, r.Type, lost, path, r.Get(path), a.Get(path))
		}
	}
	for urn, r := range is {
		_, ok := was[urn]
		assert.True(t, ok, "%s: %s (%s) is created in the lost region %s", c.Stack, r.Name, r.Type, lost)
	}
	// The region directory outside the lost region names the new writer and
	// leaves the lost region out (its own copy stays as deployed).
	stores := directoryStores(t, after.Recorder)
	require.NotEmpty(t, stores)
	for where, content := range stores {
		if where == lost {
			continue
		}
		var d components.Directory
		require.NoError(t, json.Unmarshal([]byte(content), &d), "%s %s", c.Stack, where)
		var names, writers []string
		for _, r := range d.Regions {
			names = append(names, r.Name)
			if r.Writer {
				writers = append(writers, r.Name)
			}
		}
		assert.NotContains(t, names, lost, "%s: the directory in %s still lists the lost region", c.Stack, where)
		assert.Equal(t, []string{next}, writers, "%s: the directory in %s names the new writer", c.Stack, where)
	}
	calls := 0
	for _, call := range after.Recorder.Calls() {
		calls++
		assert.NotEqual(t, lost, call.Region, "%s: %s goes through the provider of the lost region", c.Stack, call.Token)
	}
	require.NotZero(t, calls, "%s makes its lookups through another region", c.Stack)

	// A hotfix during the outage (a new image): the lost region still gets
	// nothing, the engine keeping every input there as deployed.
	hotfix, err := plan.Run(withValue(c, "image", hotfixImage(before.Spec.Cloud)))
	require.NoError(t, err, "%s: a hotfix during the outage", c.Stack)
	fixed := in(hotfix.Recorder.Resources())
	assert.ElementsMatch(t, slices.Collect(maps.Keys(was)), slices.Collect(maps.Keys(fixed)), "%s: the hotfix creates or deletes nothing in %s", c.Stack, lost)
	for _, r := range fixed {
		if !strings.HasPrefix(r.Type, "pulumi:providers:") {
			assert.Subset(t, r.IgnoreChanges, stacks.FrozenChanges, "%s: the hotfix reaches %s in %s", c.Stack, r.Name, lost)
		}
	}
	changed := 0
	for _, r := range hotfix.Recorder.Resources() {
		if a := after.Recorder.ByURN(r.URN); a != nil && r.Region != lost && len(changedInputs(a.Inputs, r.Inputs, "")) > 0 {
			changed++
		}
	}
	assert.NotZero(t, changed, "%s: the hotfix reaches the other regions", c.Stack)
	for _, call := range hotfix.Recorder.Calls() {
		assert.NotEqual(t, lost, call.Region, "%s: the hotfix's %s goes through the lost region's provider", c.Stack, call.Token)
	}
}

// hotfixImage is a new image a hotfix rolls out, from a registry each
// cloud's compute takes.
func hotfixImage(c spec.Cloud) string {
	if c == spec.GCP {
		return "docker.io/library/nginx:1.27.3"
	}
	return "public.ecr.aws/nginx/nginx:1.27.3"
}

func TestARecoveryDuringAnOutageLeavesTheLostRegionAloneInACommittedStack(t *testing.T) {
	t.Parallel()
	eachCommittedStack(t, assertRecoversWithoutTheLostRegion)
}

func TestARecoveryDuringAnOutageLeavesTheLostRegionAloneInAContractStack(t *testing.T) {
	t.Parallel()
	eachContractStack(t, assertRecoversWithoutTheLostRegion)
}

func TestThePlansRunbookNamesTheOutageKeysTheFenceAndWhatIsLeft(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, res *plan.Result) {
		s := res.Spec
		writer, next := s.Primary().Name, s.Successor()
		book := strings.Join(res.Resilience.Runbook, "\n")
		assert.Contains(t, book, "writerRegion="+next+", regionsDown=["+writer+"], regionsDownWriter="+writer, "the one config change")
		switch s.Cloud {
		case spec.AWS:
			route := RoutingCheckOf(t, res, APIRecords(res)[writer])
			assert.Contains(t, book, "fences "+writer+" (its routing check "+route.ID+" gets threshold 2)")
			assert.Contains(t, book, "--health-check-id "+route.ID+" --health-threshold 1", "lifting the fence")
		case spec.Azure:
			assert.Contains(t, book, "--origin-name api-"+writer+" --enabled-state Enabled", "lifting the fence")
		case spec.GCP:
			for _, i := range res.Recorder.OfType(TypeSQL) {
				if r := i.Str("region"); r != writer && r != next && i.Str("masterInstanceName") != "" {
					assert.Contains(t, book, i.Name, "a replica that follows the lost primary is left to re-create")
				}
			}
		}
	}
	eachCommittedStack(t, check)
	eachContractStack(t, check)
}
