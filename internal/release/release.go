// Package release holds the release health gate: the code each cloud runs
// between two release waves (gate.py), embedded for the components that
// deploy it and executed by this package's tests in python3.
package release

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Gate is gate.py: the gate's loop and the Google Cloud and Azure
// adapters (their jobs run it as one script).
//
//go:embed gate.py
var Gate string

// AWS is aws.py: the ECS adapter and the AWS functions' handlers, which
// import gate.py beside them (LambdaCode).
//
//go:embed aws.py
var AWS string

// LambdaCode is an AWS function's code: aws.py as index.py, gate.py beside.
func LambdaCode() map[string]string {
	return map[string]string{"index.py": AWS, "gate.py": Gate}
}

// Digest is a digest of what a revision runs (its template, as JSON): a
// new one is a new revision.
func Digest(template any) (string, error) {
	b, err := json.Marshal(template)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), err
}

// Tag is what runs a gate again (a run-execution token, a forceUpdateTag):
// a digest of the app's template digest, the bake and the gate's code, 16
// hex digits.
func Tag(templateDigest string, bake int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", templateDigest, bake, Gate)))
	return hex.EncodeToString(sum[:8])
}

// ScheduledBy is the startedBy of every task a schedules runner starts
// (aws.py's scheduled): this, then the schedule's name.
const ScheduledBy = "schedule-"

// StoppedScheduledTasks is the EventBridge pattern of a scheduled task's
// end in one ECS cluster ("Amazon ECS task state change events"): the
// runner that started it hears it (aws.py's stopped) and alerts unless its
// job exited 0. Exact values and a prefix only: no numeric or anything-but
// matching on the containers' array, which matches any element's field.
func StoppedScheduledTasks(clusterArn string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"source":      []string{"aws.ecs"},
		"detail-type": []string{"ECS Task State Change"},
		"detail": map[string]any{
			"clusterArn": []string{clusterArn},
			"lastStatus": []string{"STOPPED"},
			"startedBy":  []any{map[string]string{"prefix": ScheduledBy}},
		},
	})
	return string(b), err
}
