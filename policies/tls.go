package policies

import (
	"strings"
)

var tls12ELBPolicies = []string{"ELBSecurityPolicy-TLS13-1-2", "ELBSecurityPolicy-TLS-1-2", "ELBSecurityPolicy-FS-1-2"}

// TLSEverywhere: every public endpoint speaks TLS 1.2 or newer and plain
// HTTP only redirects.
var TLSEverywhere = Policy{
	Name:        "tls-1-2-https-only",
	Description: "Listeners, distributions, proxies, Front Door domains/routes, storage, SQL and Container Apps accept TLS 1.2+ only; HTTP only redirects.",
	Severity:    Mandatory,
	Check: func(s Stack) []Violation {
		var vs []Violation
		for _, l := range s.OfType("aws:lb/listener:Listener") {
			switch l.Str("protocol") {
			case "HTTPS":
				if !hasPrefix(l.Str("sslPolicy"), tls12ELBPolicies) {
					vs = append(vs, violation(l, "HTTPS listener uses %q, which allows TLS older than 1.2", l.Str("sslPolicy")))
				}
			case "HTTP":
				if l.Str("defaultActions.0.type") != "redirect" || l.Str("defaultActions.0.redirect.protocol") != "HTTPS" {
					vs = append(vs, violation(l, "HTTP listener serves content instead of redirecting to HTTPS"))
				}
			}
		}
		for _, d := range s.OfType("aws:cloudfront/distribution:Distribution") {
			if !strings.HasPrefix(d.Str("viewerCertificate.minimumProtocolVersion"), "TLSv1.2") {
				vs = append(vs, violation(d, "minimum viewer protocol %q is older than TLS 1.2", d.Str("viewerCertificate.minimumProtocolVersion")))
			}
			if p := d.Str("defaultCacheBehavior.viewerProtocolPolicy"); p != "https-only" && p != "redirect-to-https" {
				vs = append(vs, violation(d, "viewer protocol policy %q serves plain HTTP", p))
			}
		}
		policies := map[string]string{}
		for _, p := range s.OfType("gcp:compute/sSLPolicy:SSLPolicy") {
			policies[p.ID] = p.Str("minTlsVersion")
		}
		for _, p := range s.OfType("gcp:compute/targetHttpsProxy:TargetHttpsProxy") {
			if v := policies[p.Str("sslPolicy")]; v != "TLS_1_2" && v != "TLS_1_3" {
				vs = append(vs, violation(p, "HTTPS proxy has no SSL policy with TLS 1.2 or newer"))
			}
		}
		redirects := map[string]bool{}
		for _, m := range s.OfType("gcp:compute/uRLMap:URLMap") {
			redirects[m.ID] = m.Bool("defaultUrlRedirect.httpsRedirect")
		}
		for _, p := range s.OfType("gcp:compute/targetHttpProxy:TargetHttpProxy") {
			if !redirects[p.Str("urlMap")] {
				vs = append(vs, violation(p, "HTTP proxy serves content instead of redirecting to HTTPS"))
			}
		}
		for _, d := range s.OfType("azure-native:cdn:AFDCustomDomain") {
			if d.Str("tlsSettings.minimumTlsVersion") != "TLS12" {
				vs = append(vs, violation(d, "custom domain accepts TLS older than 1.2"))
			}
		}
		for _, r := range s.OfType("azure-native:cdn:Route") {
			if r.Str("forwardingProtocol") != "HttpsOnly" || r.Str("httpsRedirect") != "Enabled" {
				vs = append(vs, violation(r, "route forwards or serves plain HTTP"))
			}
		}
		for _, a := range s.OfType("azure-native:storage:StorageAccount") {
			if a.Str("minimumTlsVersion") != "TLS1_2" || !a.Bool("enableHttpsTrafficOnly") {
				vs = append(vs, violation(a, "storage account accepts HTTP or TLS older than 1.2"))
			}
		}
		for _, srv := range s.OfType("azure-native:sql:Server") {
			if srv.Str("minimalTlsVersion") != "1.2" {
				vs = append(vs, violation(srv, "SQL server accepts TLS older than 1.2"))
			}
		}
		for _, app := range s.OfType("azure-native:app/v20240301:ContainerApp") {
			if app.Get("configuration.ingress.allowInsecure") != false {
				vs = append(vs, violation(app, "container app ingress allows plain HTTP"))
			}
		}
		return vs
	},
}
