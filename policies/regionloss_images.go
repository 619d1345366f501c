package policies

// The region-loss analysis of image-pull: every app that serves after the
// loss can still pull its image (a new task, instance or replica after a
// scale-out or a restart needs it).

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/mock"
	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// privateECRHost is a private ECR registry's host: account and region.
var privateECRHost = regexp.MustCompile(`^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$`)

// imagePull: the registry every serving region pulls from outlives the
// lost region.
func (v lossView) imagePull() FunctionLoss {
	var via []string
	images := v.appImages()
	for _, r := range v.Spec.RegionNames {
		image, ok := images[r]
		if !ok || r == v.lost || !v.servesAfter(r) {
			continue
		}
		if lostWith, why := v.registryLostWith(image); lostWith {
			return broken("the app in %s pulls %s, %s", r, image, why)
		}
		via = append(via, r)
	}
	if len(via) == 0 {
		return survived("no app serves after the loss", 0, 0)
	}
	return survived("every serving region pulls from a registry that outlives "+v.lost, 0, 0)
}

// appImages is each region's app image.
func (v lossView) appImages() map[string]string {
	out := map[string]string{}
	switch v.Spec.Cloud {
	case spec.AWS:
		for _, td := range v.OfType("aws:ecs/taskDefinition:TaskDefinition") {
			if image := taskImage(td); image != "" {
				out[td.Region] = image
			}
		}
	case spec.GCP:
		for _, run := range v.OfType("gcp:cloudrunv2/service:Service") {
			out[run.Region] = run.Str("template.containers.0.image")
		}
	case spec.Azure:
		for _, app := range v.OfType(typeContainerApp) {
			out[app.Region] = app.Str("template.containers.0.image")
		}
	}
	return out
}

// registryLostWith reports whether the image's registry goes with the lost
// region, and why.
func (v lossView) registryLostWith(image string) (bool, string) {
	host, _, _ := strings.Cut(image, "/")
	switch {
	case privateECRHost.MatchString(host):
		if region := privateECRHost.FindStringSubmatch(host)[1]; region == v.lost {
			return true, "from ECR in " + region + ", lost with it (imageReplicated pulls from each region's own replica)"
		}
	case strings.HasSuffix(host, "-docker.pkg.dev"):
		// Artifact Registry: a region's location, or a multi-region (us,
		// europe, asia) that survives one region's loss.
		if region := strings.TrimSuffix(host, "-docker.pkg.dev"); region == v.lost {
			return true, "from Artifact Registry in " + region + ", lost with it (a multi-region location such as " + multiRegionOf(region) + "-docker.pkg.dev survives)"
		}
	case strings.HasSuffix(host, ".azurecr.io"):
		if !v.Spec.Runtime.ImageReplicated {
			return true, "from an Azure Container Registry whose replicas the plan does not know: geo-replicate it to every region of the stack and set imageReplicated"
		}
	}
	return false, ""
}

// multiRegionOf is the Artifact Registry multi-region a region belongs to.
func multiRegionOf(region string) string {
	for _, p := range []string{"europe", "asia"} {
		if strings.HasPrefix(region, p) {
			return p
		}
	}
	return "us"
}

// taskImage is the image of an ECS task definition's first container.
func taskImage(td *mock.Resource) string {
	var defs []struct{ Image string }
	_ = json.Unmarshal([]byte(td.Str("containerDefinitions")), &defs)
	if len(defs) == 0 {
		return ""
	}
	return defs[0].Image
}
