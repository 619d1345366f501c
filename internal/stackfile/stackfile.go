// Package stackfile reads Pulumi.yaml and a stack file with the CLI's own
// loader, applying the declared defaults as the engine would, into the config
// the program receives. It links no cloud SDK, so the config cases that need
// the loader (types, unknown keys) answer in seconds.
package stackfile

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Config is a stack's config as the engine hands it to the program.
type Config struct {
	Project string
	Stack   string
	// Values maps fully qualified keys (mobile-backend:regions) to values as
	// the program receives them: strings as they are, everything else as JSON.
	Values map[string]string
	// Secrets are the keys whose values are secret; their values are the
	// string "[secret]" (the plan never decrypts).
	Secrets []string
}

// StackName is the stack a file configures: Pulumi.<stack>.yaml.
func StackName(stackFile string) string {
	base := filepath.Base(stackFile)
	return strings.TrimSuffix(strings.TrimPrefix(base, "Pulumi."), filepath.Ext(base))
}

// Load reads the project and stack files. Values declared in the
// project (defaults of the project's keys, values of other namespaces' keys)
// come first, and the stack's own values override them. A stack value of the
// wrong type, or an undeclared key of the project's namespace (a typo would
// otherwise be silently ignored), is a *spec.Error.
func Load(projectFile, stackFile, stack string) (*Config, error) {
	proj, err := loadProject(projectFile)
	if err != nil {
		return nil, &spec.Error{Problems: []string{fmt.Sprintf("%s: %v", projectFile, err)}}
	}
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, proj, stackFile)
	if err != nil {
		return nil, &spec.Error{Problems: []string{fmt.Sprintf("%s: %v", stackFile, err)}}
	}
	project := string(proj.Name)
	cfg := &Config{Project: project, Stack: stack, Values: map[string]string{}}

	qualify := func(k string) string {
		if strings.Contains(k, ":") {
			return k
		}
		return project + ":" + k
	}
	declared := map[string]workspace.ProjectConfigType{}
	for k, t := range proj.Config {
		key := qualify(k)
		declared[key] = t
		v := t.Default
		if v == nil {
			v = t.Value
		}
		if v != nil {
			cfg.Values[key] = encode(v)
		}
	}

	var problems []string
	keys := make([]config.Key, 0, len(ps.Config))
	for k := range ps.Config {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() }) // stable errors
	for _, k := range keys {
		v := ps.Config[k]
		key := k.String()
		if k.Namespace() == project {
			t, ok := declared[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: not a config key of %s (see the config block of %s)", key, project, projectFile))
				continue
			}
			if obj, err := v.ToObject(); err == nil && !v.Secure() && t.Type != nil &&
				!workspace.ValidateConfigValue(*t.Type, t.Items, obj) {
				problems = append(problems, fmt.Sprintf("%s: must be of type %s", key, workspace.InferFullTypeName(*t.Type, t.Items)))
				continue
			}
		}
		raw, err := v.Value(config.NewBlindingDecrypter())
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		if v.Secure() {
			cfg.Secrets = append(cfg.Secrets, key)
		}
		if k.Namespace() == project {
			problems = append(problems, spec.PlainSecretLeaves(k.Name(), raw)...)
		}
		cfg.Values[key] = raw
	}
	if len(problems) > 0 {
		return nil, &spec.Error{Problems: problems}
	}
	return cfg, nil
}

// encode renders a YAML value the way the engine passes config to a program.
func encode(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Lookup is the spec's view of this config: a project key's raw value.
func (c *Config) Lookup(key string) (string, bool) {
	v, ok := c.Values[c.Project+":"+key]
	return v, ok
}

// projects are the loaded project files, by path, size and modification
// time: the loader validates Pulumi.yaml against the project schema, the
// slowest step of loading a stack's config, and a test binary loads the same
// file hundreds of times (it was an eighth of the AWS tests' CPU). The
// loaded project is only read.
var projects sync.Map // projectKey -> *workspace.Project

type projectKey struct {
	path string
	size int64
	mod  time.Time
}

func loadProject(path string) (*workspace.Project, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return workspace.LoadProject(path) // its error names the file
	}
	key := projectKey{path, fi.Size(), fi.ModTime()}
	if p, ok := projects.Load(key); ok {
		return p.(*workspace.Project), nil
	}
	p, err := workspace.LoadProject(path)
	if err == nil {
		projects.Store(key, p)
	}
	return p, err
}
