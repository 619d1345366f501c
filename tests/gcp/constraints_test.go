package gcp

import (
	"testing"

	gcpc "github.com/mobile-backend/mobile-backend/components/gcp"
	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/policies"
	. "github.com/mobile-backend/mobile-backend/tests/suite"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAGrantToTheMonitoringAgentBeforeItsPubSubChannelIsCaught(t *testing.T) {
	t.Parallel()
	// The shape components/gcp/failover.go once had (when a Pub/Sub channel
	// started its workflow): the publisher grant to Cloud Monitoring's
	// notification agent with nothing that makes Google create it.
	rec, err := RunProgram(func(ctx *pulumi.Context) error {
		p, err := gcpc.NewProvider(ctx, "gcp-us-central1", "", "us-central1", nil)
		if err != nil {
			return err
		}
		in := pulumi.Provider(p)
		topic, err := pubsub.NewTopic(ctx, "failover", &pubsub.TopicArgs{}, in)
		if err != nil {
			return err
		}
		if _, err := pubsub.NewTopicIAMMember(ctx, "monitoring-publishes", &pubsub.TopicIAMMemberArgs{
			Topic: topic.ID(), Role: pulumi.String("roles/pubsub.publisher"),
			Member: pulumi.String("serviceAccount:service-" + mock.GCPProjectNumber + "@gcp-sa-monitoring-notification.iam.gserviceaccount.com"),
		}, in); err != nil {
			return err
		}
		_, err = monitoring.NewNotificationChannel(ctx, "failover", &monitoring.NotificationChannelArgs{
			Type: pulumi.String("pubsub"), Labels: pulumi.StringMap{"topic": topic.ID()},
		}, in)
		return err
	})
	require.NoError(t, err)
	vs := policies.Evaluate(Recorded(rec), []policies.Policy{policies.GoogleServiceAgentsCreated})
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Message, "gcp-sa-monitoring-notification.iam.gserviceaccount.com, which Google has not necessarily created yet")
}
