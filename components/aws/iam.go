package aws

import (
	"encoding/json"
)

// PolicyDocument is an IAM policy built from typed values, so every policy in
// the stack is valid JSON and reviewable field by field.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal any                          `json:"Principal,omitempty"` // "*" or a map such as {"Service": "..."}
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// Policy returns the JSON of a policy made of the given statements.
func Policy(statements ...Statement) string {
	b, err := json.Marshal(PolicyDocument{Version: "2012-10-17", Statement: statements})
	if err != nil {
		panic(err) // only strings, slices and maps of strings: cannot fail
	}
	return string(b)
}

// assumeRoleFor is the trust policy that lets one AWS service assume a role,
// only on behalf of this account (the confused-deputy guard AWS recommends).
func assumeRoleFor(service, account string) string {
	return Policy(Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": service},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": account}},
	})
}
