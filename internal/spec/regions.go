package spec

import "slices"

// Region is one region of a cloud: its API name and where it is. The
// coordinates (the metro area, to a tenth of a degree) let later checks reason
// about distance between regions; they are not used for routing.
type Region struct {
	Name string
	City string
	Lat  float64
	Lon  float64
}

// Regions lists the current public regions of each cloud (commercial
// partitions only: AWS GovCloud and China, and Azure sovereign clouds, need
// their own accounts and are out of scope). Checked against each provider's
// published region list in November 2026; add new regions at the end of a
// cloud's list: a region's place names its default network range
// (DefaultCIDR), which must not move.
var Regions = map[Cloud][]Region{
	AWS: {
		{"us-east-1", "N. Virginia", 38.9, -77.4},
		{"us-east-2", "Ohio", 40.0, -83.0},
		{"us-west-1", "N. California", 37.4, -121.9},
		{"us-west-2", "Oregon", 45.8, -119.7},
		{"ca-central-1", "Montreal", 45.5, -73.6},
		{"ca-west-1", "Calgary", 51.0, -114.1},
		{"mx-central-1", "Queretaro", 20.6, -100.4},
		{"sa-east-1", "Sao Paulo", -23.5, -46.6},
		{"eu-west-1", "Ireland", 53.3, -6.3},
		{"eu-west-2", "London", 51.5, -0.1},
		{"eu-west-3", "Paris", 48.9, 2.4},
		{"eu-central-1", "Frankfurt", 50.1, 8.7},
		{"eu-central-2", "Zurich", 47.4, 8.5},
		{"eu-north-1", "Stockholm", 59.3, 18.1},
		{"eu-south-1", "Milan", 45.5, 9.2},
		{"eu-south-2", "Spain", 41.6, -0.9},
		{"il-central-1", "Tel Aviv", 32.1, 34.8},
		{"me-south-1", "Bahrain", 26.1, 50.6},
		{"me-central-1", "UAE", 24.5, 54.4},
		{"af-south-1", "Cape Town", -33.9, 18.4},
		{"ap-east-1", "Hong Kong", 22.3, 114.2},
		{"ap-east-2", "Taipei", 25.0, 121.6},
		{"ap-south-1", "Mumbai", 19.1, 72.9},
		{"ap-south-2", "Hyderabad", 17.4, 78.5},
		{"ap-southeast-1", "Singapore", 1.4, 103.8},
		{"ap-southeast-2", "Sydney", -33.9, 151.2},
		{"ap-southeast-3", "Jakarta", -6.2, 106.8},
		{"ap-southeast-4", "Melbourne", -37.8, 145.0},
		{"ap-southeast-5", "Malaysia", 3.1, 101.7},
		{"ap-southeast-6", "New Zealand", -36.8, 174.8},
		{"ap-southeast-7", "Thailand", 13.8, 100.5},
		{"ap-northeast-1", "Tokyo", 35.7, 139.7},
		{"ap-northeast-2", "Seoul", 37.6, 127.0},
		{"ap-northeast-3", "Osaka", 34.7, 135.5},
	},
	GCP: {
		{"us-central1", "Iowa", 41.3, -95.9},
		{"us-east1", "South Carolina", 33.2, -80.0},
		{"us-east4", "N. Virginia", 39.0, -77.5},
		{"us-east5", "Columbus", 40.0, -83.0},
		{"us-south1", "Dallas", 32.8, -96.8},
		{"us-west1", "Oregon", 45.6, -121.2},
		{"us-west2", "Los Angeles", 34.1, -118.2},
		{"us-west3", "Salt Lake City", 40.8, -111.9},
		{"us-west4", "Las Vegas", 36.2, -115.1},
		{"northamerica-northeast1", "Montreal", 45.5, -73.6},
		{"northamerica-northeast2", "Toronto", 43.7, -79.4},
		{"northamerica-south1", "Queretaro", 20.6, -100.4},
		{"southamerica-east1", "Sao Paulo", -23.5, -46.6},
		{"southamerica-west1", "Santiago", -33.4, -70.7},
		{"europe-west1", "Belgium", 50.4, 3.8},
		{"europe-west2", "London", 51.5, -0.1},
		{"europe-west3", "Frankfurt", 50.1, 8.7},
		{"europe-west4", "Netherlands", 53.4, 6.8},
		{"europe-west6", "Zurich", 47.4, 8.5},
		{"europe-west8", "Milan", 45.5, 9.2},
		{"europe-west9", "Paris", 48.9, 2.4},
		{"europe-west10", "Berlin", 52.5, 13.4},
		{"europe-west12", "Turin", 45.1, 7.7},
		{"europe-central2", "Warsaw", 52.2, 21.0},
		{"europe-north1", "Finland", 60.6, 27.2},
		{"europe-north2", "Stockholm", 59.3, 18.1},
		{"europe-southwest1", "Madrid", 40.4, -3.7},
		{"me-west1", "Tel Aviv", 32.1, 34.8},
		{"me-central1", "Doha", 25.3, 51.5},
		{"me-central2", "Dammam", 26.4, 50.1},
		{"africa-south1", "Johannesburg", -26.2, 28.0},
		{"asia-east1", "Taiwan", 24.1, 120.5},
		{"asia-east2", "Hong Kong", 22.3, 114.2},
		{"asia-northeast1", "Tokyo", 35.7, 139.7},
		{"asia-northeast2", "Osaka", 34.7, 135.5},
		{"asia-northeast3", "Seoul", 37.6, 127.0},
		{"asia-south1", "Mumbai", 19.1, 72.9},
		{"asia-south2", "Delhi", 28.6, 77.2},
		{"asia-southeast1", "Singapore", 1.4, 103.8},
		{"asia-southeast2", "Jakarta", -6.2, 106.8},
		{"australia-southeast1", "Sydney", -33.9, 151.2},
		{"australia-southeast2", "Melbourne", -37.8, 145.0},
	},
	Azure: {
		{"eastus", "Virginia", 37.4, -79.4},
		{"eastus2", "Virginia", 36.7, -78.4},
		{"centralus", "Iowa", 41.6, -93.6},
		{"northcentralus", "Illinois", 41.9, -87.6},
		{"southcentralus", "Texas", 29.4, -98.5},
		{"westcentralus", "Wyoming", 41.6, -104.8},
		{"westus", "California", 37.8, -122.4},
		{"westus2", "Washington", 47.2, -119.9},
		{"westus3", "Arizona", 33.4, -112.1},
		{"canadacentral", "Toronto", 43.7, -79.4},
		{"canadaeast", "Quebec City", 46.8, -71.2},
		{"mexicocentral", "Queretaro", 20.6, -100.4},
		{"brazilsouth", "Sao Paulo", -23.5, -46.6},
		{"chilecentral", "Santiago", -33.4, -70.7},
		{"northeurope", "Ireland", 53.3, -6.3},
		{"westeurope", "Netherlands", 52.4, 4.9},
		{"uksouth", "London", 51.5, -0.1},
		{"ukwest", "Cardiff", 51.5, -3.2},
		{"francecentral", "Paris", 48.9, 2.4},
		{"germanywestcentral", "Frankfurt", 50.1, 8.7},
		{"switzerlandnorth", "Zurich", 47.4, 8.5},
		{"norwayeast", "Oslo", 59.9, 10.8},
		{"swedencentral", "Gavle", 60.7, 17.1},
		{"polandcentral", "Warsaw", 52.2, 21.0},
		{"italynorth", "Milan", 45.5, 9.2},
		{"spaincentral", "Madrid", 40.4, -3.7},
		{"israelcentral", "Israel", 31.8, 35.0},
		{"uaenorth", "Dubai", 25.3, 55.3},
		{"qatarcentral", "Doha", 25.3, 51.5},
		{"southafricanorth", "Johannesburg", -26.2, 28.0},
		{"centralindia", "Pune", 18.5, 73.9},
		{"southindia", "Chennai", 13.1, 80.3},
		{"westindia", "Mumbai", 19.1, 72.9},
		{"eastasia", "Hong Kong", 22.3, 114.2},
		{"southeastasia", "Singapore", 1.3, 103.8},
		{"japaneast", "Tokyo", 35.7, 139.8},
		{"japanwest", "Osaka", 34.7, 135.5},
		{"koreacentral", "Seoul", 37.6, 127.0},
		{"koreasouth", "Busan", 35.2, 129.1},
		{"australiaeast", "New South Wales", -33.9, 151.2},
		{"australiasoutheast", "Victoria", -37.8, 145.0},
		{"australiacentral", "Canberra", -35.3, 149.1},
		{"newzealandnorth", "Auckland", -36.8, 174.8},
		{"indonesiacentral", "Jakarta", -6.2, 106.8},
		{"malaysiawest", "Kuala Lumpur", 3.1, 101.7},
	},
}

// LookupRegion returns the named region of a cloud.
func LookupRegion(c Cloud, name string) (Region, bool) {
	for _, r := range Regions[c] {
		if r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// azureRegionsWithoutZones are the Azure regions in the table that have no
// availability zones (Azure documentation, "Azure regions with availability
// zone support"): zone-redundant services fall back to their regional form
// there.
var azureRegionsWithoutZones = map[string]bool{
	"westcentralus": true, "northcentralus": true, "westus": true, "canadaeast": true, "ukwest": true,
	"southindia": true, "westindia": true, "japanwest": true, "koreasouth": true,
	"australiasoutheast": true, "australiacentral": true,
}

// azurePairs are the paired regions of the Azure regions in the table
// (Microsoft Learn, "Azure regions list", the paired region column, as of
// 2025-09; some pairs are one-way, and some partners are access-restricted
// regions the stack never uses itself). Geo-redundant storage and Azure
// SQL's geo-redundant backups copy a region's data to its pair ("GRS only
// works within Azure paired regions", Azure Blob Storage reliability
// guide), so a region without one cannot have them: an RA-GZRS/RA-GRS
// account there is refused (RedundancyConfigurationNotAvailableInRegion).
// Mexico Central, Chile Central, Poland Central, Italy North, Spain Central,
// Israel Central, Qatar Central, New Zealand North, Indonesia Central and
// Malaysia West have none.
var azurePairs = map[string]string{
	"eastus": "westus", "eastus2": "centralus", "centralus": "eastus2", "northcentralus": "southcentralus",
	"southcentralus": "northcentralus", "westcentralus": "westus2", "westus": "eastus", "westus2": "westcentralus",
	"westus3": "eastus", "canadacentral": "canadaeast", "canadaeast": "canadacentral", "brazilsouth": "southcentralus",
	"northeurope": "westeurope", "westeurope": "northeurope", "uksouth": "ukwest", "ukwest": "uksouth",
	"francecentral": "francesouth", "germanywestcentral": "germanynorth", "switzerlandnorth": "switzerlandwest",
	"norwayeast": "norwaywest", "swedencentral": "swedensouth", "uaenorth": "uaecentral",
	"southafricanorth": "southafricawest", "centralindia": "southindia", "southindia": "centralindia",
	"westindia": "southindia", "eastasia": "southeastasia", "southeastasia": "eastasia", "japaneast": "japanwest",
	"japanwest": "japaneast", "koreacentral": "koreasouth", "koreasouth": "koreacentral",
	"australiaeast": "australiasoutheast", "australiasoutheast": "australiaeast", "australiacentral": "australiacentral2",
}

// AzurePairedRegion is the region Azure copies a region's geo-redundant
// data to, and false for a region without a pair.
func AzurePairedRegion(region string) (string, bool) {
	p, ok := azurePairs[region]
	return p, ok
}

// AzureFrontDoorPrivateLinkRegions are where Azure Front Door Premium
// offers Private Link to origins (Microsoft Learn, "Secure your origin with
// Private Link in Azure Front Door Premium", "Region availability", as of
// 2025-09; UAE North from the 2026 revision).
var AzureFrontDoorPrivateLinkRegions = map[string]bool{
	"brazilsouth": true, "canadacentral": true, "centralus": true, "eastus": true, "eastus2": true,
	"southcentralus": true, "westus2": true, "westus3": true,
	"francecentral": true, "germanywestcentral": true, "northeurope": true, "norwayeast": true, "uksouth": true,
	"westeurope": true, "swedencentral": true,
	"southafricanorth": true, "uaenorth": true,
	"australiaeast": true, "centralindia": true, "japaneast": true, "koreacentral": true, "eastasia": true, "southeastasia": true,
}

// azureFrontDoorPrivateLinkNearest is, for a region Front Door's Private
// Link does not serve, the nearest region it does ("If your origin's region
// isn't supported ..., pick the next nearest region", the same page; by
// distance between the regions' locations).
var azureFrontDoorPrivateLinkNearest = map[string]string{
	"northcentralus": "centralus", "westcentralus": "westus3", "westus": "westus3", "canadaeast": "canadacentral",
	"mexicocentral": "southcentralus", "chilecentral": "brazilsouth",
	"ukwest": "uksouth", "switzerlandnorth": "germanywestcentral", "polandcentral": "germanywestcentral",
	"italynorth": "germanywestcentral", "spaincentral": "francecentral",
	"israelcentral": "uaenorth", "qatarcentral": "uaenorth",
	"southindia": "centralindia", "westindia": "centralindia", "japanwest": "japaneast", "koreasouth": "koreacentral",
	"australiasoutheast": "australiaeast", "australiacentral": "australiaeast", "newzealandnorth": "australiaeast",
	"indonesiacentral": "southeastasia", "malaysiawest": "southeastasia",
}

// AzureFrontDoorPrivateLinkLocation is the Private Link location of a
// Front Door origin in region: the region itself where Front Door offers
// Private Link, else the nearest region that does (a region the table does
// not know is its own location).
func AzureFrontDoorPrivateLinkLocation(region string) string {
	if near, ok := azureFrontDoorPrivateLinkNearest[region]; ok {
		return near
	}
	return region
}

// azurePartner reports whether a region is some region's pair.
func azurePartner(region string) bool {
	for _, p := range azurePairs {
		if p == region {
			return true
		}
	}
	return false
}

// AzureHasPair reports whether an Azure region has a paired region.
func AzureHasPair(region string) bool { _, ok := azurePairs[region]; return ok }

// AzureHasZones reports whether an Azure region has availability zones.
func AzureHasZones(region string) bool { return !azureRegionsWithoutZones[region] }

// AuroraGlobalRegions are the AWS Regions where an Aurora PostgreSQL global
// database can have a cluster, transcribed from the Aurora User Guide,
// "Supported Regions and DB engines for Aurora global databases"
// (docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.GlobalDatabase.html,
// the Aurora PostgreSQL table, as published in the awsdocs user-guide
// snapshot; China and GovCloud left out). A Region AWS adds to that table
// later is refused until it is added here.
var AuroraGlobalRegions = map[string]bool{
	"us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true, "ca-central-1": true, "sa-east-1": true,
	"eu-west-1": true, "eu-west-2": true, "eu-west-3": true, "eu-central-1": true, "eu-central-2": true, "eu-north-1": true,
	"eu-south-1": true, "eu-south-2": true, "me-south-1": true, "me-central-1": true, "af-south-1": true,
	"ap-east-1": true, "ap-south-1": true, "ap-south-2": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-southeast-3": true, "ap-northeast-1": true, "ap-northeast-2": true, "ap-northeast-3": true,
}

// AuroraGlobalMaxSecondaries is how many secondary Regions an Aurora global
// database may have ("up to 10 secondary AWS Regions", Aurora User Guide,
// aurora-global-database.configuration.requirements.html).
const AuroraGlobalMaxSecondaries = 10

// UptimeCheckerCountries are where Cloud Monitoring's uptime checks probe
// from with the checker regions the stack selects (USA, EUROPE, ASIA_PACIFIC:
// Iowa, Oregon and Virginia; Belgium; Singapore; Cloud Monitoring, "List
// uptime-check server IP addresses"; components/gcp.UptimeCheckerRegions).
var UptimeCheckerCountries = []string{"US", "BE", "SG"}

// GCPMaxRegions is how many regions a Google Cloud stack may have: its
// load balancer's proxy takes at most 15 SSL certificates ("you may specify
// up to 15", Compute Engine API, targetHttpsProxies) and every hostname has
// its own: the API's, the static one and each region's.
const GCPMaxRegions = 13

// AzureSQLMaxGeoSecondaries is how many geo-secondaries an Azure SQL
// database may have ("up to four geo-secondaries", Azure SQL documentation,
// active-geo-replication-overview); the Azure stack puts one in every region
// but the writer's (components/azure.MaxGeoSecondaries, held equal by a test).
const AzureSQLMaxGeoSecondaries = 4

// GCSAreas lists, per Cloud Storage multi-region area, the regions a
// configurable dual-region may pair there (Cloud Storage documentation,
// "Bucket locations": configurable dual-regions stay within one of US, EU or
// ASIA; London and Zurich are not in EU).
var GCSAreas = map[string][]string{
	"US":   {"us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4"},
	"EU":   {"europe-central2", "europe-north1", "europe-southwest1", "europe-west1", "europe-west3", "europe-west4", "europe-west8", "europe-west9", "europe-west10", "europe-west12"},
	"ASIA": {"asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2"},
}

// GCSArea is the multi-region area (US, EU or ASIA) a Google Cloud region
// belongs to for Cloud Storage, or "" outside them.
func GCSArea(region string) string {
	for a, rs := range GCSAreas {
		if slices.Contains(rs, region) {
			return a
		}
	}
	return ""
}
