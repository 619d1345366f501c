package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// The user-visible functions the region-loss analysis follows.
const (
	FnAPIReads        = "api-reads"
	FnAPIWrites       = "api-writes"
	FnUploads         = "uploads"
	FnStatic          = "static-content"
	FnSignIn          = "sign-in-material"
	FnAppSecrets      = "app-secrets"
	FnImagePull       = "image-pull"
	FnAlerting        = "alerting"
	FnFailoverControl = "failover-control"
	FnDirectory       = "region-directory"
	FnScheduled       = "scheduled-jobs"
)

// Functions are the functions, in the order the table shows them.
var Functions = []string{FnAPIReads, FnAPIWrites, FnUploads, FnStatic, FnDirectory, FnSignIn, FnAppSecrets, FnImagePull, FnAlerting, FnFailoverControl, FnScheduled}

// FunctionLoss is what becomes of one function when a region is lost: Via
// names what takes over or, when it does not survive, the missing link.
type FunctionLoss struct {
	Name       string `json:"name"`
	Survives   bool   `json:"survives"`
	Via        string `json:"via"`
	RTOSeconds int    `json:"rtoSeconds"`
	RPOSeconds int    `json:"rpoSeconds"`
}

// RegionLoss is the analysis of losing one region.
type RegionLoss struct {
	Region    string         `json:"region"`
	Functions []FunctionLoss `json:"functions"`
}

// lossView is the recorded graph with one region taken away.
type lossView struct {
	Stack
	lost   string
	budget Budget
}

// where is the region whose loss takes a resource out, "" for a global
// data plane or a multi-region store. AWS: Route 53, CloudFront, IAM,
// Shield, Budgets and the CloudFront-scoped WAF answer from the edge,
// whatever happens to us-east-1, their control plane (a change to them
// waits for it; serving does not). Google Cloud and Azure: the resource's
// own region or location input when it is one of the cloud's regions.
func (s Stack) where(r *mock.Resource) string {
	switch cloudOf(r.Type) {
	case "aws":
		if hasPrefix(r.Type, []string{"aws:route53/", "aws:cloudfront/", "aws:iam/", "aws:shield/", "aws:budgets/"}) ||
			r.Type == "aws:wafv2/webAcl:WebAcl" && r.Str("scope") == "CLOUDFRONT" {
			return ""
		}
		return r.Region
	default:
		for _, k := range []string{"region", "location"} {
			if v := r.Str(k); v != "" {
				if _, ok := spec.LookupRegion(s.Spec.Cloud, v); ok {
					return v
				}
				if strings.EqualFold(v, "global") {
					return ""
				}
			}
		}
		if s.Spec.Cloud == spec.Azure && r.Region != "" && r.Str("location") == "" && !strings.HasPrefix(r.Type, "azure-native:cdn:") && !strings.HasPrefix(r.Type, "azure-native:insights:") {
			return r.Region
		}
		return ""
	}
}

// alive reports whether a resource outlives the lost region.
func (v lossView) alive(r *mock.Resource) bool { return v.where(r) != v.lost }

// LostRegions are the regions the analysis takes away: every region of
// the stack and, on AWS, us-east-1, the home of global control planes.
func LostRegions(s spec.Spec) []string {
	out := slices.Clone(s.RegionNames)
	if s.Cloud == spec.AWS && !slices.Contains(out, "us-east-1") {
		out = append(out, "us-east-1")
	}
	return out
}

// AnalyzeRegionLoss evaluates the recorded resources with each region's
// resources gone and reports, per function, whether it survives, through
// what, and in how long.
func AnalyzeRegionLoss(s Stack) []RegionLoss {
	budget := ComputeBudget(s)
	var out []RegionLoss
	for _, lost := range LostRegions(s.Spec) {
		v := lossView{Stack: s, lost: lost, budget: budget}
		rl := RegionLoss{Region: lost}
		for _, fn := range Functions {
			f := v.function(fn)
			f.Name = fn
			rl.Functions = append(rl.Functions, f)
		}
		out = append(out, rl)
	}
	return out
}

func (v lossView) function(fn string) FunctionLoss {
	switch fn {
	case FnAPIReads:
		return v.apiReads()
	case FnAPIWrites:
		return v.apiWrites()
	case FnUploads:
		return v.uploads()
	case FnStatic:
		return v.static()
	case FnSignIn:
		return v.signIn()
	case FnAppSecrets:
		return v.appSecrets()
	case FnImagePull:
		return v.imagePull()
	case FnAlerting:
		return v.alerting()
	case FnDirectory:
		return v.directory()
	case FnScheduled:
		return v.scheduledJobs()
	default:
		return v.failoverControl()
	}
}

func survived(via string, rto, rpo int) FunctionLoss {
	return FunctionLoss{Survives: true, Via: via, RTOSeconds: rto, RPOSeconds: rpo}
}

func broken(format string, args ...any) FunctionLoss {
	return FunctionLoss{Via: fmt.Sprintf(format, args...)}
}

// servingBefore reports whether the lost region served API traffic.
func (v lossView) servingBefore() bool {
	return slices.ContainsFunc(v.Spec.Regions, func(r spec.RegionSpec) bool { return r.Name == v.lost && r.Serving() })
}

// writerLost reports whether the lost region holds the database writer.
func (v lossView) writerLost() bool { return v.Spec.Primary().Name == v.lost }

// rto is the recovery time of serving from another region when the lost
// region took part: the budget's terms but the database's (a read, an
// upload or a static file does not wait for a promotion), or nothing.
func (v lossView) rto(took bool) int {
	if !took {
		return 0
	}
	total := 0
	for _, t := range v.budget.RTO.Terms {
		if t.Path == pathWriter {
			continue
		}
		if t.Path != "" || !hasPrefix(t.Name, []string{"Aurora", "Cloud SQL", "Spanner", "SQL f", "region watch", "failover job", "operator"}) {
			total += t.Seconds
		}
	}
	return total
}

// RegionLossSurvived: the loss of any one region leaves every function
// working, by what the recorded resources say.
var RegionLossSurvived = Policy{
	Name:        "region-loss-survived",
	Description: "For every region (and us-east-1 on AWS), the recorded resources without it still serve API reads and writes, uploads, static content, the region directory, sign-in material, app secrets, image pulls, alerting and failover control.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		if firstPreview(s) {
			return nil
		}
		var vs []Violation
		for _, rl := range AnalyzeRegionLoss(s) {
			for _, f := range rl.Functions {
				if f.Survives && f.RTOSeconds > s.Spec.Objectives.RTOSeconds {
					vs = append(vs, violation(nil, "losing %s, %s survives only after %d s, past %s:rtoSeconds (%d s): %s", rl.Region, f.Name, f.RTOSeconds, spec.Namespace, s.Spec.Objectives.RTOSeconds, f.Via))
				}
				if !f.Survives {
					v := violation(nil, "losing %s breaks %s: %s", rl.Region, f.Name, f.Via)
					if !s.Spec.Promotes() && f.Name != FnAlerting {
						// failoverAutomation notify: a person takes over, by the
						// team's choice; the plan says so without failing.
						v.Severity = Advisory
						v.Message += " (failoverAutomation is notify: a person promotes, per the README's runbook)"
					}
					if f.Name == FnAlerting && len(s.Spec.AlertEmails) == 0 {
						// Nobody to alert at all: alerts-routed's call
						// (advisory outside production).
						v.Severity = productionMandatory(s.Spec)
					}
					vs = append(vs, v)
				}
			}
		}
		return vs
	},
}
