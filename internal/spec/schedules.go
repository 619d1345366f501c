package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mobile-backend/mobile-backend/components"
)

// Schedule is a scheduled job of the app (schedules): the release's image
// running Command at Cron (five fields, UTC), once for the whole stack.
type Schedule = components.Schedule

// Schedules are the configured scheduled jobs, by name.
func (s Spec) Schedules() []Schedule {
	var out []Schedule
	for _, name := range SortedKeys(s.Runtime.SchedulesRaw) {
		fields := strings.Fields(s.Runtime.SchedulesRaw[name])
		sc := Schedule{Name: name}
		if len(fields) >= 5 {
			sc.Cron, sc.Command = strings.Join(fields[:5], " "), fields[5:]
		}
		out = append(out, sc)
	}
	return out
}

// cronRanges are the five fields' ranges (unix cron: minute, hour, day of
// month, month, day of week with 0 and 7 for Sunday).
var cronRanges = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}

var cronNames = [5]string{"minute", "hour", "day of month", "month", "day of week"}

var cronItem = regexp.MustCompile(`^(\*|\d+(-\d+)?)(/\d+)?$`)

// cronField checks one field: *, N, N-M, each with an optional /step, in
// comma lists; numbers only (every scheduler here reads them alike).
func cronField(i int, f string) error {
	for _, item := range strings.Split(f, ",") {
		if !cronItem.MatchString(item) {
			return fmt.Errorf("%s %q: use *, N, N-M, */S or N-M/S (numbers only)", cronNames[i], item)
		}
		base, _, _ := strings.Cut(item, "/")
		if base == "*" {
			continue
		}
		lo, hi, _ := strings.Cut(base, "-")
		for _, n := range []string{lo, hi} {
			if n == "" {
				continue
			}
			v, _ := strconv.Atoi(n)
			if v < cronRanges[i][0] || v > cronRanges[i][1] {
				return fmt.Errorf("%s %d is outside %d-%d", cronNames[i], v, cronRanges[i][0], cronRanges[i][1])
			}
		}
	}
	return nil
}

// validateSchedules: a name every cloud takes, a cron every scheduler
// reads, a command.
func (s Spec) validateSchedules(p *problems) {
	for _, sc := range s.Schedules() {
		key := "schedules." + sc.Name
		fields := strings.Fields(s.Runtime.SchedulesRaw[sc.Name])
		if !workerName.MatchString(sc.Name) {
			p.add(key, "%q: a schedule's name is 2 to 12 lowercase letters, digits or hyphens, starting with a letter (it names a job in every region)", sc.Name)
			continue
		}
		// A schedule's runner job is <name>-run on Google Cloud and Azure.
		if strings.HasSuffix(sc.Name, "-run") {
			p.add(key, "%q: a schedule's name may not end in -run (its runner job is <name>-run)", sc.Name)
			continue
		}
		if len(fields) < 6 {
			p.add(key, "give a cron of five fields (UTC) and the command, e.g. \"0 3 * * * /app/cleanup --days 30\"")
			continue
		}
		for i, f := range fields[:5] {
			if err := cronField(i, f); err != nil {
				p.add(key, "%q: %v", sc.Cron, err)
			}
		}
		// EventBridge Scheduler's cron takes a day of month or a day of
		// week, the other "?" ("Schedule types on EventBridge Scheduler").
		if s.Cloud == AWS && fields[2] != "*" && fields[4] != "*" {
			p.add(key, "%q: AWS schedules take a day of month or a day of week, not both", sc.Cron)
		}
		// AWS numbers the days 1-7 from Sunday: a step, or Sunday as 7,
		// does not translate (give Sunday as 0).
		if s.Cloud == AWS && (strings.Contains(fields[4], "/") || regexp.MustCompile(`(^|[,-])7($|[,-])`).MatchString(fields[4])) {
			p.add(key, "%q: on AWS the day of week takes no step and Sunday as 0, not 7", sc.Cron)
		}
	}
}
