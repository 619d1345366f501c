package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// CloudFront's managed policies (AWS documentation, "Use managed cache
// policies" and "Use managed response headers policies").
const (
	cachingOptimizedPolicyID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	securityHeadersPolicyID  = "67f7725c-6f97-4210-82d7-5512b31e9d03"
)

// EdgeTLSPolicy is the edge cache's minimum viewer protocol: TLS 1.2 with
// modern ciphers.
const EdgeTLSPolicy = "TLSv1.2_2021"

// OriginFailoverStatusCodes are the primary origin's answers that make the
// edge cache try the secondary bucket.
var OriginFailoverStatusCodes = []int{500, 502, 503, 504}

// EdgeCacheArgs configures the CloudFront edge cache of ReplicatedStorage.
type EdgeCacheArgs struct {
	Hostname string             // required: e.g. static.api.example.com
	ZoneID   pulumi.StringInput // required: the hosted zone of the hostname
	// Provider is the global provider: CloudFront's certificate must be in us-east-1.
	Provider  *aws.Provider
	WebACLArn pulumi.StringInput // a CLOUDFRONT-scope web ACL
	GeoBlock  []string           // countries refused at the edge
	TTL       int                // TTL of the certificate's validation record
}

// newEdgeCache serves <bucket>/static/* from the primary region's bucket and
// fails over to the secondary's, HTTPS only, through origin access control
// (the buckets stay private).
func newEdgeCache(ctx *pulumi.Context, name string, args EdgeCacheArgs, primary, secondary *s3.BucketV2, child pulumi.ResourceOrInvokeOption) (*cloudfront.Distribution, error) {
	if args.Hostname == "" || args.ZoneID == nil || args.Provider == nil {
		return nil, fmt.Errorf("Hostname, ZoneID and Provider are required")
	}
	global := pulumi.Provider(args.Provider)
	cert, err := acm.NewCertificate(ctx, name+"-static", &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Hostname),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("RSA_2048"),
	}, child, global)
	if err != nil {
		return nil, err
	}
	opt := validationOption(cert, args.Hostname)
	rec, err := route53.NewRecord(ctx, name+"-static-validation", &route53.RecordArgs{
		ZoneId:         args.ZoneID,
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(max(args.TTL, 60)),
		AllowOverwrite: pulumi.Bool(true),
	}, child, global)
	if err != nil {
		return nil, err
	}
	valid, err := acm.NewCertificateValidation(ctx, name+"-static", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{rec.Fqdn},
	}, child, global)
	if err != nil {
		return nil, err
	}
	oac, err := cloudfront.NewOriginAccessControl(ctx, name+"-static", &cloudfront.OriginAccessControlArgs{
		Description:                   pulumi.String("mobile-backend: edge cache reads the upload buckets"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, child, global)
	if err != nil {
		return nil, err
	}
	origin := func(id string, b *s3.BucketV2) *cloudfront.DistributionOriginArgs {
		return &cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String(id),
			DomainName:            b.BucketRegionalDomainName,
			OriginPath:            pulumi.String("/" + StaticPrefix),
			OriginAccessControlId: oac.ID(),
		}
	}
	restriction := &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")}
	if len(args.GeoBlock) > 0 {
		restriction = &cloudfront.DistributionRestrictionsGeoRestrictionArgs{
			RestrictionType: pulumi.String("blacklist"),
			Locations:       pulumi.ToStringArray(args.GeoBlock),
		}
	}
	dist, err := cloudfront.NewDistribution(ctx, name+"-static", &cloudfront.DistributionArgs{
		Comment:       pulumi.Sprintf("mobile-backend %s: static content", name),
		Enabled:       pulumi.Bool(true),
		IsIpv6Enabled: pulumi.Bool(true),
		HttpVersion:   pulumi.String("http2and3"),
		PriceClass:    pulumi.String("PriceClass_All"),
		Aliases:       pulumi.StringArray{pulumi.String(args.Hostname)},
		WebAclId:      args.WebACLArn,
		Origins:       cloudfront.DistributionOriginArray{origin("primary", primary), origin("secondary", secondary)},
		OriginGroups: cloudfront.DistributionOriginGroupArray{&cloudfront.DistributionOriginGroupArgs{
			OriginId:         pulumi.String("buckets"),
			FailoverCriteria: &cloudfront.DistributionOriginGroupFailoverCriteriaArgs{StatusCodes: pulumi.ToIntArray(OriginFailoverStatusCodes)},
			Members: cloudfront.DistributionOriginGroupMemberArray{
				&cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("primary")},
				&cloudfront.DistributionOriginGroupMemberArgs{OriginId: pulumi.String("secondary")},
			},
		}},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String("buckets"),
			ViewerProtocolPolicy:    pulumi.String("https-only"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS"}), // origin groups serve reads only
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           pulumi.String(cachingOptimizedPolicyID),
			ResponseHeadersPolicyId: pulumi.String(securityHeadersPolicyID),
			Compress:                pulumi.Bool(true),
		},
		Restrictions: &cloudfront.DistributionRestrictionsArgs{GeoRestriction: restriction},
		ViewerCertificate: &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      valid.CertificateArn,
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String(EdgeTLSPolicy),
		},
	}, child, global)
	if err != nil {
		return nil, err
	}
	for _, typ := range []string{"A", "AAAA"} {
		if _, err := route53.NewRecord(ctx, fmt.Sprintf("%s-static-%s", name, typ), &route53.RecordArgs{
			ZoneId: args.ZoneID,
			Name:   pulumi.String(args.Hostname),
			Type:   pulumi.String(typ),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name: dist.DomainName, ZoneId: dist.HostedZoneId, EvaluateTargetHealth: pulumi.Bool(false),
			}},
		}, child, global); err != nil {
			return nil, err
		}
	}
	return dist, nil
}
