// Package release holds the release health gate: the code each cloud runs
// between two release waves (gate.py), embedded for the components that
// deploy it and executed by this package's tests in python3.
package release

import _ "embed"

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
