package policies

import (
	"fmt"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// WriterLossRunbook is the plan's runbook for the loss of the writer's
// region, read from the planned stack: what happens by itself (and what the
// automation fences), the one config change during the outage, what the
// pulumi up after it moves and what it leaves, what is left to a person, and
// how the fence is lifted at failback (README, "Losing a region").
func WriterLossRunbook(s Stack) []string {
	sp := s.Spec
	writer, next := sp.Primary().Name, sp.Successor()
	if writer == "" || next == "" {
		return nil
	}
	var steps []string
	say := func(format string, args ...any) { steps = append(steps, fmt.Sprintf(format, args...)) }
	promotes := sp.Promotes()
	spanner := len(s.OfType("gcp:spanner/instance:Instance")) > 0
	switch sp.Cloud {
	case spec.AWS:
		if promotes {
			say("by itself: the watch in %s promotes its Aurora member, writes the region directory into its bucket and fences %s (its routing check %s gets threshold 2)", next, writer, routingCheck(s, writer))
		} else {
			say("a person promotes %s's Aurora member (failoverAutomation notify): aws rds failover-global-cluster --allow-data-loss", next)
		}
	case spec.GCP:
		switch {
		case spanner && sp.Topology == spec.ActiveActive:
			say("by itself: Spanner elects a new leader and the load balancer serves from the healthy regions; nothing to promote")
		case promotes:
			say("by itself: the job in %s switches traffic and promotes its replica (when it has one), moves the writer and reader records, gives it the writer's backups, writes the region directory and stops the old primary in %s", next, writer)
		default:
			say("a person switches the URL map and promotes %s's replica (failoverAutomation notify)", next)
		}
	default:
		if promotes {
			say("by itself: the job in %s forces the failover group over, sets the promoted database's recovery window and disables %s's Front Door origin", next, writer)
		} else {
			say("the failover group fails over after its grace period, or a person forces it (failoverAutomation notify)")
		}
	}
	keys := fmt.Sprintf("writerRegion=%s, regionsDown=[%s], regionsDownWriter=%s", next, writer, writer)
	if sp.Cloud == spec.AWS {
		keys += ", awsAccountId"
		if writer == "us-east-1" {
			keys += ", awsHostedZoneId"
		}
	}
	say("during the outage: set %s, then pulumi up (nothing in %s is called, changed, created or deleted)", keys, writer)
	switch sp.Cloud {
	case spec.AWS:
		say("that pulumi up moves the apps' writer settings, routing, the promoting watch and the region directory; the backup plan and its cross-region copies, and the database-users job, move once %s answers and the keys are removed", writer)
	case spec.GCP:
		var replicas []string
		for _, i := range s.OfType("gcp:sql/databaseInstance:DatabaseInstance") {
			if r := i.Str("region"); r != writer && r != next && i.Str("masterInstanceName") != "" {
				replicas = append(replicas, i.Name)
			}
		}
		say("that pulumi up moves routing and roles; nothing stateful is replaced")
		if len(replicas) > 0 {
			say("left to a person: re-create the replicas %s from the new writer (Cloud SQL re-points none; their regions read from the new writer meanwhile)", strings.Join(replicas, ", "))
		}
	default:
		say("that pulumi up moves Front Door priorities and the region directory (/%s/%s) of the regions that answer; the database-users job moves once %s answers and the keys are removed", components.StaticPrefix, components.DirectoryObject, writer)
	}
	if sp.Cloud == spec.GCP && spanner {
		say("once %s answers: remove regionsDown and regionsDownWriter, pulumi up (the region converges)", writer)
		say("failback: nothing to move back (Spanner's leader follows its configuration)")
		return steps
	}
	say("once %s answers: remove regionsDown and regionsDownWriter, pulumi up (the region converges and stays fenced)", writer)
	switch sp.Cloud {
	case spec.AWS:
		say("failback lifts the fence: aws route53 update-health-check --health-check-id %s --health-threshold 1", routingCheck(s, writer))
	case spec.GCP:
		say("failback: re-create %s's replica from the new writer, promote it, move the records back; the stopped old primary is deleted", writer)
	default:
		say("failback lifts the fence: az afd origin update --origin-group-name %s --origin-name api-%s --enabled-state Enabled", "api", writer)
	}
	return steps
}

// routingCheck is the id of a region's routing check (its API record's).
func routingCheck(s Stack, region string) string {
	for _, rec := range s.OfType("aws:route53/record:Record") {
		if rec.Str("setIdentifier") == region && strings.TrimSuffix(rec.Str("name"), ".") == s.Spec.Domain {
			return rec.Str("healthCheckId")
		}
	}
	return "(none)"
}
