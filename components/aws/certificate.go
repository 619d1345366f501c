package aws

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mobile-backend/mobile-backend/components"
)

// Certificates are the stack's TLS certificates: in every region an ACM
// certificate for the API hostname and the region's own hostname
// (<region>.<domain>), validated by DNS in the stack's hosted zone.
//
// ACM asks for the same validation record for a name in every region of an
// account, so the API hostname's record is written once (from the primary's
// certificate) and each region writes only its own hostname's record: no two
// resources own one record, and removing a region cannot break the others'
// renewals.
type Certificates struct {
	pulumi.ResourceState

	// Arns maps each region to its validated certificate's ARN.
	Arns pulumi.StringMapOutput `pulumi:"arns"`

	byRegion map[string]pulumi.StringOutput
}

// CertificatesArgs configures Certificates.
type CertificatesArgs struct {
	Domain  string             // required: the API hostname
	ZoneID  pulumi.StringInput // required: the hosted zone that holds it
	TTL     int                // TTL of the validation records; default components.DefaultDNSTTL
	Regions []Region           // required, in stack order; the first writes the shared record
}

// Arn is the validated certificate of one region.
func (c *Certificates) Arn(region string) pulumi.StringOutput { return c.byRegion[region] }

// RegionalHostname is the per-region hostname used by canaries and debugging.
func RegionalHostname(region, domain string) string {
	return components.RegionalHostname(region, domain)
}

// NewCertificates requests and validates the certificates. Pass the global
// provider in opts: the validation records are Route 53 resources.
func NewCertificates(ctx *pulumi.Context, name string, args CertificatesArgs, opts ...pulumi.ResourceOption) (*Certificates, error) {
	if args.Domain == "" || args.ZoneID == nil || len(args.Regions) == 0 {
		return nil, fmt.Errorf("certificates %s: Domain, ZoneID and Regions are required", name)
	}
	c := &Certificates{byRegion: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource("mobile-backend:aws:Certificates", name, c, opts...); err != nil {
		return nil, err
	}
	components.Default(&args.TTL, components.DefaultDNSTTL)
	child := pulumi.Parent(c)

	record := func(rname string, opt acm.CertificateDomainValidationOptionOutput) (*route53.Record, error) {
		return route53.NewRecord(ctx, rname, &route53.RecordArgs{
			ZoneId:  args.ZoneID,
			Name:    opt.ResourceRecordName().Elem(),
			Type:    opt.ResourceRecordType().Elem(),
			Records: pulumi.StringArray{opt.ResourceRecordValue().Elem()},
			Ttl:     pulumi.Int(args.TTL),
			// ACM or an earlier stack may already have written this exact record.
			AllowOverwrite: pulumi.Bool(true),
		}, child)
	}

	var shared *route53.Record
	arns := pulumi.StringMap{}
	for _, r := range args.Regions {
		region, p := r.Name, r.Provider
		regional := RegionalHostname(region, args.Domain)
		cert, err := acm.NewCertificate(ctx, fmt.Sprintf("%s-%s", name, region), &acm.CertificateArgs{
			DomainName:              pulumi.String(args.Domain),
			SubjectAlternativeNames: pulumi.StringArray{pulumi.String(regional)},
			ValidationMethod:        pulumi.String("DNS"),
			KeyAlgorithm:            pulumi.String("RSA_2048"),
		}, child, pulumi.Provider(p))
		if err != nil {
			return nil, fmt.Errorf("certificate %s: %w", region, err)
		}
		if shared == nil {
			if shared, err = record(name+"-validation", validationOption(cert, args.Domain)); err != nil {
				return nil, err
			}
		}
		own, err := record(fmt.Sprintf("%s-%s-validation", name, region), validationOption(cert, regional))
		if err != nil {
			return nil, err
		}
		valid, err := acm.NewCertificateValidation(ctx, fmt.Sprintf("%s-%s", name, region), &acm.CertificateValidationArgs{
			CertificateArn:        cert.Arn,
			ValidationRecordFqdns: pulumi.StringArray{shared.Fqdn, own.Fqdn},
		}, child, pulumi.Provider(p))
		if err != nil {
			return nil, fmt.Errorf("certificate validation %s: %w", region, err)
		}
		c.byRegion[region] = valid.CertificateArn
		arns[region] = valid.CertificateArn
	}
	c.Arns = arns.ToStringMapOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"arns": c.Arns})
}

// validationOption picks the validation record ACM asks for one name.
func validationOption(cert *acm.Certificate, domain string) acm.CertificateDomainValidationOptionOutput {
	return cert.DomainValidationOptions.ApplyT(func(opts []acm.CertificateDomainValidationOption) (acm.CertificateDomainValidationOption, error) {
		for _, o := range opts {
			if o.DomainName != nil && *o.DomainName == domain {
				return o, nil
			}
		}
		return acm.CertificateDomainValidationOption{}, fmt.Errorf("ACM returned no validation record for %s", domain)
	}).(acm.CertificateDomainValidationOptionOutput)
}
