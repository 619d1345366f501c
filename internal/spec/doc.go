package spec

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ConfigTable is the Markdown table of every config key (docs/configuration.md
// holds it between GeneratedBegin and GeneratedEnd; a test keeps it current).
func ConfigTable() string {
	var b strings.Builder
	b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
	for _, f := range Fields {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Key, f.Type, defaultCell(f), f.Doc)
	}
	return b.String()
}

func defaultCell(f Field) string {
	switch {
	case f.Required:
		return "**required**"
	case strings.Contains(f.Doc, "Default:") && (f.Default == "" || f.Type == "array" && len(f.Default.([]string)) == 0):
		return "derived"
	}
	v, _ := json.Marshal(f.Default)
	return "`" + string(v) + "`"
}

// ReplaceGenerated returns text with the generated block named id replaced
// by content, and whether the block was found. A block is
//
//	<!-- generated:id (do not edit; regenerate with go test ./internal/spec ./policies -update) -->
//	...
//	<!-- /generated:id -->
func ReplaceGenerated(text, id, content string) (string, bool) {
	begin := "<!-- generated:" + id + " (do not edit; regenerate with go test ./internal/spec ./policies -update) -->"
	end := "<!-- /generated:" + id + " -->"
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return text, false
	}
	return text[:i+len(begin)] + "\n" + content + text[j:], true
}
