package spec

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lookupOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDerivesRolesCIDRsZoneAndEnvironment(t *testing.T) {
	s, err := Load("staging", lookupOf(map[string]string{
		"cloud": "aws", "topology": "active-passive", "domain": "api.eu.example.com",
		"regions": `["eu-west-1","eu-central-1","eu-north-1"]`,
	}))
	require.NoError(t, err)
	assert.Equal(t, []RegionSpec{
		{Name: "eu-west-1", Index: 0, Role: Primary, CIDR: DefaultCIDR(AWS, "eu-west-1")},
		{Name: "eu-central-1", Index: 1, Role: Standby, CIDR: DefaultCIDR(AWS, "eu-central-1")},
		{Name: "eu-north-1", Index: 2, Role: Standby, CIDR: DefaultCIDR(AWS, "eu-north-1")},
	}, s.Regions)
	assert.Equal(t, "eu.example.com", s.DNSZone)
	assert.Equal(t, "staging", s.Environment)
	assert.False(t, s.Production())
	assert.Equal(t, 1, s.WorkloadFor(s.Regions[1].Role).MinInstances)
	assert.Equal(t, 2, s.WorkloadFor(s.Regions[0].Role).MinInstances)
	assert.Equal(t, s.MaxInstances, s.WorkloadFor(s.Regions[1].Role).MaxInstances, "a standby scales as far as any region")
	assert.Equal(t, map[string]string{"app": "mobile-backend", "stack": "staging", "environment": "staging", "managed-by": "pulumi"}, s.StandardTags())
}

func TestTheWriterRegionTakesThePrimaryRoleAndHomeStays(t *testing.T) {
	s, err := Load("staging", lookupOf(map[string]string{
		"cloud": "aws", "topology": "active-passive", "domain": "api.eu.example.com",
		"regions": `["eu-west-1","eu-central-1","eu-north-1"]`, "writerRegion": "eu-central-1",
	}))
	require.NoError(t, err)
	assert.Equal(t, []Role{Standby, Primary, Standby}, []Role{s.Regions[0].Role, s.Regions[1].Role, s.Regions[2].Role})
	assert.Equal(t, "eu-central-1", s.Primary().Name)
	assert.Equal(t, "eu-west-1", s.Home().Name, "the home region is the first of regions, wherever the writer is")
	assert.Equal(t, 2, s.WorkloadFor(s.Primary().Role).MinInstances, "the writer region serves at full size")
	assert.Equal(t, DefaultCIDR(AWS, "eu-west-1"), s.Regions[0].CIDR, "the network range stays with its region")
}

func TestActiveActiveRegionsAllServe(t *testing.T) {
	s, err := Load("prod", lookupOf(map[string]string{
		"cloud": "aws", "topology": "active-active", "domain": "api.example.com",
		"regions": `["us-east-1","eu-west-1"]`, "tags": `{"stack":"spoofed","team":"a"}`,
	}))
	require.NoError(t, err)
	assert.True(t, s.Regions[1].Serving())
	assert.Equal(t, Active, s.Regions[1].Role)
	assert.True(t, s.Production())
	assert.Equal(t, "prod", s.StandardTags()["stack"], "the program's own tags win over user tags")
	assert.Equal(t, "a", s.StandardTags()["team"])
}

func TestDefaultCIDRsNeverOverlapAndStayWithTheirRegion(t *testing.T) {
	for cloud, regions := range Regions {
		require.Less(t, len(regions), 256, "%s: one 10.n.0.0/16 per region", cloud)
		seen := map[netip.Prefix]string{}
		for _, r := range regions {
			p := netip.MustParsePrefix(DefaultCIDR(cloud, r.Name))
			for q, other := range seen {
				assert.False(t, p.Overlaps(q), "%s %s overlaps %s", cloud, r.Name, other)
			}
			seen[p] = r.Name
		}
	}
	load := func(regions string) map[string]string {
		s, err := Load("prod", lookupOf(map[string]string{"cloud": "gcp", "topology": "active-passive", "domain": "api.example.com", "regions": regions}))
		require.NoError(t, err)
		out := map[string]string{}
		for _, r := range s.Regions {
			out[r.Name] = r.CIDR
		}
		return out
	}
	assert.Equal(t, load(`["europe-west1","us-east1","asia-east1"]`), load(`["us-east1","asia-east1","europe-west1"]`),
		"reordering the regions (a new writer) moves no network range")
	assert.Equal(t, "", DefaultCIDR(GCP, "moon-base1"))
}

func TestRegionTablesHaveNoDuplicates(t *testing.T) {
	for cloud, regions := range Regions {
		names := map[string]bool{}
		for _, r := range regions {
			assert.False(t, names[r.Name], "%s lists %s twice", cloud, r.Name)
			names[r.Name] = true
			assert.True(t, r.Lat >= -90 && r.Lat <= 90 && r.Lon >= -180 && r.Lon <= 180, r.Name)
		}
	}
}

func TestFargateMemoryTableMatchesPublishedRanges(t *testing.T) {
	assert.Equal(t, []int{512, 1024, 2048}, fargateMemory[256])
	assert.Equal(t, 2048, fargateMemory[1024][0])
	assert.Equal(t, 8192, fargateMemory[1024][len(fargateMemory[1024])-1])
	assert.Equal(t, 122880, fargateMemory[16384][len(fargateMemory[16384])-1])
}

func TestWorkloadDefaultsFillOnlyWhatIsLeftOut(t *testing.T) {
	w := Workload{Image: "registry.example.com/api:1.2.3", MinInstances: 3}.WithDefaults()
	assert.Equal(t, "registry.example.com/api:1.2.3", w.Image, "a set value is kept")
	assert.Equal(t, 3, w.MinInstances, "a set value is kept")
	assert.Equal(t, 512, w.CPU, "the cpu key's default")
	assert.Equal(t, 1024, w.Memory, "the memory key's default")
	assert.Equal(t, Defaults().ContainerPort, w.ContainerPort)
	assert.Equal(t, Defaults().MaxInstances, w.MaxInstances)
	assert.Equal(t, Defaults().Concurrency, w.Concurrency)
	assert.NotZero(t, w.ContainerPort)
	assert.NotZero(t, w.Concurrency)
}

// Every Azure region of the table has a Front Door Private Link location
// that Front Door serves: its own, or the nearest one.
func TestEveryAzureRegionHasAPrivateLinkLocationFrontDoorServes(t *testing.T) {
	for _, r := range Regions[Azure] {
		loc := AzureFrontDoorPrivateLinkLocation(r.Name)
		assert.True(t, AzureFrontDoorPrivateLinkRegions[loc], "%s: %q", r.Name, loc)
		if AzureFrontDoorPrivateLinkRegions[r.Name] {
			assert.Equal(t, r.Name, loc, "a served region is its own location")
		}
	}
	for region := range azureFrontDoorPrivateLinkNearest {
		_, ok := LookupRegion(Azure, region)
		assert.True(t, ok, "%s is in the region table", region)
		assert.False(t, AzureFrontDoorPrivateLinkRegions[region], "%s is served: it needs no nearest", region)
	}
}

// Every Azure region of the table is either paired or one of the regions
// Azure lists without a pair: a region added to the table takes a decision.
func TestEveryAzureRegionIsPairedOrKnownUnpaired(t *testing.T) {
	var unpaired []string
	for _, r := range Regions[Azure] {
		if !AzureHasPair(r.Name) {
			unpaired = append(unpaired, r.Name)
		}
	}
	assert.ElementsMatch(t, []string{"mexicocentral", "chilecentral", "polandcentral", "italynorth", "spaincentral",
		"israelcentral", "qatarcentral", "newzealandnorth", "indonesiacentral", "malaysiawest"}, unpaired)
	p, ok := AzurePairedRegion("westeurope")
	assert.True(t, ok)
	assert.Equal(t, "northeurope", p)
}
