package spec

import (
	"regexp"

	"github.com/mobile-backend/mobile-backend/components"
	"slices"
	"strconv"
	"strings"
)

// Worker is one background process of the app (workers): the release's
// image running Command, Instances of it in every serving region, with
// the app's settings, secrets and identity and no ingress.
type Worker = components.Worker

// workerName is what every cloud takes within the stack's names: an ECS
// service, a Cloud Run service, a container app (2–32 characters with the
// stack's prefix).
var workerName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,10}[a-z0-9]$`)

// MaxWorkerInstances bounds a worker's instances per region.
const MaxWorkerInstances = 100

// Workers are the configured workers, by name.
func (s Spec) Workers() []Worker {
	var out []Worker
	for _, name := range SortedKeys(s.Runtime.WorkersRaw) {
		fields := strings.Fields(s.Runtime.WorkersRaw[name])
		w := Worker{Name: name}
		if len(fields) > 0 {
			w.Instances, _ = strconv.Atoi(fields[0])
			w.Command = fields[1:]
		}
		out = append(out, w)
	}
	return out
}

// validateWorkers: a name every cloud takes, a count, a command.
func (s Spec) validateWorkers(p *problems) {
	for _, w := range s.Workers() {
		key := "workers." + w.Name
		raw := strings.Fields(s.Runtime.WorkersRaw[w.Name])
		switch {
		case !workerName.MatchString(w.Name):
			p.add(key, "%q: a worker's name is 2 to 12 lowercase letters, digits or hyphens, starting with a letter (it names a service in every region)", w.Name)
		case slices.Contains([]string{"api"}, w.Name):
			p.add(key, "%q is the API's name", w.Name)
		case len(raw) == 0:
			p.add(key, "empty: give the instances per region and the command, e.g. \"2 /app/worker push\"")
		case w.Instances < 1 || w.Instances > MaxWorkerInstances || strconv.Itoa(w.Instances) != raw[0]:
			p.add(key, "%q: the first word is the instances per region, 1 to %d", raw[0], MaxWorkerInstances)
		case len(w.Command) == 0:
			p.add(key, "no command after the instances, e.g. \"2 /app/worker push\"")
		}
	}
}
