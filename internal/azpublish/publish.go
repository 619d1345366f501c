// Package azpublish is the script of the Azure job that writes the stack's
// documents (the region directory, the static origins' health blob) into a
// region's static container from inside its network (publish.py), so a
// test runs the very script the job runs without linking a cloud SDK.
package azpublish

import (
	_ "embed"
	"encoding/json"
)

// Script is the job's Python (python3 -c Script).
//
//go:embed publish.py
var Script string

// Document is one blob the job keeps as given.
type Document struct {
	Blob         string `json:"blob"`
	Content      string `json:"content"`
	ContentType  string `json:"contentType"`
	CacheControl string `json:"cacheControl,omitempty"`
}

// Documents is the job's DOCUMENTS setting.
func Documents(docs []Document) string {
	b, _ := json.Marshal(docs) // strings only: cannot fail
	return string(b)
}

// Parse reads a DOCUMENTS setting back (the plan's checks read what a job
// publishes).
func Parse(s string) ([]Document, error) {
	var docs []Document
	err := json.Unmarshal([]byte(s), &docs)
	return docs, err
}
