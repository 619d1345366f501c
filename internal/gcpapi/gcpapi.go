// Package gcpapi knows which Google API each pulumi-gcp module calls: the
// service a project must have enabled before that module's resources can be
// created. The components enable them and the plan's policies check them
// from this one table.
package gcpapi

import "strings"

// Services maps a pulumi-gcp module to the API its resources call (the
// provider's default endpoints, hashicorp/terraform-provider-google
// google/transport/config.go).
var Services = map[string]string{
	"billing":           "billingbudgets.googleapis.com",
	"cloudscheduler":    "cloudscheduler.googleapis.com",
	"cloudrunv2":        "run.googleapis.com",
	"compute":           "compute.googleapis.com",
	"dns":               "dns.googleapis.com",
	"eventarc":          "eventarc.googleapis.com",
	"firebase":          "firebase.googleapis.com",
	"kms":               "cloudkms.googleapis.com",
	"logging":           "logging.googleapis.com",
	"monitoring":        "monitoring.googleapis.com",
	"networksecurity":   "networksecurity.googleapis.com",
	"projects":          "cloudresourcemanager.googleapis.com",
	"pubsub":            "pubsub.googleapis.com",
	"recaptcha":         "recaptchaenterprise.googleapis.com",
	"secretmanager":     "secretmanager.googleapis.com",
	"serviceaccount":    "iam.googleapis.com",
	"servicenetworking": "servicenetworking.googleapis.com",
	"spanner":           "spanner.googleapis.com",
	"sql":               "sqladmin.googleapis.com",
	"storage":           "storage.googleapis.com",
	"workflows":         "workflows.googleapis.com",
}

// Types are the types whose API is not their module's.
var Types = map[string]string{
	// projects.IAMCustomRole calls iam.googleapis.com (terraform-provider-google
	// resource_google_project_iam_custom_role.go: the IAM API's roles).
	"gcp:projects/iAMCustomRole:IAMCustomRole": "iam.googleapis.com",
	// storage.TransferJob calls storagetransfer.googleapis.com
	// (terraform-provider-google resource_storage_transfer_job.go).
	"gcp:storage/transferJob:TransferJob": "storagetransfer.googleapis.com",
}

// Bootstrap are the types that run on the Service Usage API itself, which
// must be on before any other API can be enabled: a prerequisite of the
// project, not something a stack can enable.
var Bootstrap = map[string]bool{
	"gcp:projects/service:Service":                 true,
	"gcp:projects/serviceIdentity:ServiceIdentity": true,
}

// Module is the pulumi-gcp module of a type token ("compute" of
// gcp:compute/uRLMap:URLMap), or "" for another cloud's type.
func Module(typ string) string {
	parts := strings.SplitN(typ, ":", 3)
	if len(parts) != 3 || parts[0] != "gcp" {
		return ""
	}
	return strings.SplitN(parts[1], "/", 2)[0]
}

// For returns the API a resource type needs enabled first, and false for a
// type of no known module (or another cloud's, or a bootstrap type).
func For(typ string) (string, bool) {
	if Bootstrap[typ] {
		return "", false
	}
	if api, ok := Types[typ]; ok {
		return api, true
	}
	api, ok := Services[Module(typ)]
	return api, ok
}
