package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/mobile-backend/mobile-backend/internal/spec"
)

// Diagram is the architecture of a planned stack: what a reviewer draws on a
// whiteboard, derived from the spec and the recorded resources.
type Diagram struct {
	Title   string
	Entry   string // global entry: DNS routing or the front door
	WAF     string
	Regions []DiagramRegion
	Shared  []string // global data services (one node across regions)
	Edges   []DiagramEdge
	Monitor string
}

// DiagramRegion is one region's box.
type DiagramRegion struct {
	Name    string
	Role    spec.Role
	Compute string
	Data    []DiagramData
}

// DiagramData is a data store in a region: kind "db" or "store".
type DiagramData struct {
	Kind, Label string
}

// DiagramEdge is a replication path between two regions' data stores.
type DiagramEdge struct {
	From, To string // regions
	Kind     string // "db" or "store"
	Label    string
}

func (e DiagramEdge) nodes() (from, to string) { return nodeID(e.From, e.Kind), nodeID(e.To, e.Kind) }

func nodeID(parts ...string) string {
	return strings.NewReplacer("-", "_", ".", "_", " ", "_").Replace(strings.Join(parts, "_"))
}

// Diagram builds the stack's diagram.
func (r *Result) Diagram() Diagram {
	s := r.Spec
	d := Diagram{Title: fmt.Sprintf("%s/%s: %s %s", r.Config.Project, r.Config.Stack, s.Cloud, s.Topology), Monitor: "monitoring and alerts"}
	entryMode := map[spec.Topology]string{spec.ActiveActive: "all regions serve", spec.ActivePassive: "primary serves, standbys take over"}[s.Topology]
	var compute, db, store string
	switch s.Cloud {
	case spec.AWS:
		d.Entry = map[spec.Topology]string{spec.ActiveActive: "Route 53 latency records", spec.ActivePassive: "Route 53 failover records"}[s.Topology] + ", health-checked"
		d.WAF, compute, db, store = "AWS WAF on every ALB and CloudFront", "ALB, ECS Fargate", "Aurora", "S3"
		d.Monitor = "CloudWatch alarms, SNS, dashboard"
	case spec.GCP:
		d.Entry = "global external ALB, anycast IP (" + entryMode + ")"
		d.WAF, compute, store = "Cloud Armor", "Cloud Run", "Cloud Storage"
		d.Monitor = "Cloud Monitoring uptime checks, alerts, dashboard"
		if s.GCPEngine() == spec.EngineSpanner {
			d.Shared = append(d.Shared, fmt.Sprintf("Spanner %s, synchronous", s.GCP.Spanner.Name))
		} else {
			db = "Cloud SQL"
		}
		for _, b := range r.Recorder.OfType("gcp:storage/bucket:Bucket") {
			locs, _ := b.Get("customPlacementConfig.dataLocations").([]any)
			if len(locs) == 0 {
				d.Shared = append(d.Shared, fmt.Sprintf("Cloud Storage read copy in %s, Storage Transfer", strings.ToLower(b.Str("location"))))
				continue
			}
			var names []string
			for _, l := range locs {
				names = append(names, strings.ToLower(fmt.Sprint(l)))
			}
			d.Shared = append(d.Shared, fmt.Sprintf("Cloud Storage dual-region %s, %s", strings.Join(names, "+"), b.Str("rpo")))
		}
	case spec.Azure:
		d.Entry = "Front Door Premium (" + entryMode + ")"
		d.WAF, compute, db, store = "Front Door WAF policy", "Container Apps", "Azure SQL", "Storage account"
		d.Monitor = "Azure Monitor alerts, availability tests, dashboard"
	}
	skus := map[string]string{} // an Azure region's account: geo-replicated to its paired region
	for _, a := range r.Recorder.OfType("azure-native:storage:StorageAccount") {
		skus[a.Region] = strings.TrimPrefix(a.Str("sku.name"), "Standard_")
	}
	for _, reg := range s.Regions {
		dr := DiagramRegion{Name: reg.Name, Role: reg.Role, Compute: compute}
		if db != "" {
			role := "replica"
			if reg.Role == spec.Primary {
				role = "writer"
			}
			dr.Data = append(dr.Data, DiagramData{"db", db + " " + role})
		}
		if s.Cloud != spec.GCP {
			label := store
			if sku := skus[reg.Name]; sku != "" {
				label += " " + sku + ", writable here"
			}
			dr.Data = append(dr.Data, DiagramData{"store", label})
		}
		d.Regions = append(d.Regions, dr)
	}
	primary := s.Primary().Name
	if db != "" {
		mode := map[spec.Cloud]string{spec.AWS: "Aurora global, async ~1 s", spec.GCP: "Cloud SQL replica, async", spec.Azure: "geo-replication, async"}[s.Cloud]
		for _, reg := range s.Regions[1:] {
			d.Edges = append(d.Edges, DiagramEdge{primary, reg.Name, "db", mode})
		}
	}
	// Storage replication as recorded.
	regionOf := map[string]string{}
	for _, b := range r.Recorder.OfType("aws:s3/bucketV2:BucketV2") {
		regionOf[fmt.Sprint(b.Outputs["arn"])] = b.Region
	}
	for _, c := range r.Recorder.OfType("aws:s3/bucketReplicationConfig:BucketReplicationConfig") {
		if strings.Contains(c.URN, ":mobile-backend:aws:CentralLogs$") {
			continue // log staging into the central log bucket: operations data, not user data
		}
		for i := 0; i < c.Len("rules"); i++ {
			to := regionOf[c.Str(fmt.Sprintf("rules.%d.destination.bucket", i))]
			d.Edges = append(d.Edges, DiagramEdge{c.Region, to, "store",
				fmt.Sprintf("S3 RTC %d min", c.Int(fmt.Sprintf("rules.%d.destination.replicationTime.time.minutes", i)))})
		}
	}
	sort.SliceStable(d.Edges, func(i, j int) bool {
		fi, ti := d.Edges[i].nodes()
		fj, tj := d.Edges[j].nodes()
		return fi+ti < fj+tj
	})
	return d
}

// WriteMermaid writes the diagram as a Mermaid flowchart: standby regions
// are dashed.
func (d Diagram) WriteMermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart TB")
	fmt.Fprintf(w, "  clients([mobile clients]) --> entry[%q]\n", d.Entry)
	fmt.Fprintf(w, "  entry --- waf{{%q}}\n", d.WAF)
	for _, r := range d.Regions {
		id := nodeID(r.Name)
		fmt.Fprintf(w, "  subgraph %s[\"%s (%s)\"]\n", id, r.Name, r.Role)
		fmt.Fprintf(w, "    %s[%q]\n", nodeID(r.Name, "compute"), r.Compute)
		for _, data := range r.Data {
			fmt.Fprintf(w, "    %s[(%q)]\n", nodeID(r.Name, data.Kind), data.Label)
		}
		fmt.Fprintln(w, "  end")
		arrow := "-->"
		if r.Role == spec.Standby {
			arrow = "-.->"
		}
		fmt.Fprintf(w, "  entry %s %s\n", arrow, nodeID(r.Name, "compute"))
		if r.Role == spec.Standby {
			fmt.Fprintf(w, "  style %s stroke-dasharray: 5 5\n", id)
		}
	}
	for i, sh := range d.Shared {
		fmt.Fprintf(w, "  shared%d[(%q)]\n", i, sh)
		for _, r := range d.Regions {
			fmt.Fprintf(w, "  %s --- shared%d\n", nodeID(r.Name, "compute"), i)
		}
	}
	for _, e := range d.Edges {
		from, to := e.nodes()
		fmt.Fprintf(w, "  %s -- %q --> %s\n", from, e.Label, to)
	}
	fmt.Fprintf(w, "  monitoring[%q] -.- entry\n", d.Monitor)
}

// WriteDot writes the same diagram for Graphviz.
func (d Diagram) WriteDot(w io.Writer) {
	fmt.Fprintf(w, "digraph %q {\n  rankdir=TB;\n  node [shape=box];\n", d.Title)
	fmt.Fprintf(w, "  clients [label=\"mobile clients\", shape=ellipse];\n  entry [label=%q];\n  waf [label=%q, shape=hexagon];\n", d.Entry, d.WAF)
	fmt.Fprintln(w, "  clients -> entry;\n  entry -> waf [dir=none];")
	for _, r := range d.Regions {
		style := "solid"
		if r.Role == spec.Standby {
			style = "dashed"
		}
		fmt.Fprintf(w, "  subgraph cluster_%s {\n    label=\"%s (%s)\";\n    style=%s;\n", nodeID(r.Name), r.Name, r.Role, style)
		fmt.Fprintf(w, "    %s [label=%q];\n", nodeID(r.Name, "compute"), r.Compute)
		for _, data := range r.Data {
			fmt.Fprintf(w, "    %s [label=%q, shape=cylinder];\n", nodeID(r.Name, data.Kind), data.Label)
		}
		fmt.Fprintln(w, "  }")
		fmt.Fprintf(w, "  entry -> %s [style=%s];\n", nodeID(r.Name, "compute"), style)
	}
	for i, sh := range d.Shared {
		fmt.Fprintf(w, "  shared%d [label=%q, shape=cylinder];\n", i, sh)
		for _, r := range d.Regions {
			fmt.Fprintf(w, "  %s -> shared%d [dir=none];\n", nodeID(r.Name, "compute"), i)
		}
	}
	for _, e := range d.Edges {
		from, to := e.nodes()
		fmt.Fprintf(w, "  %s -> %s [label=%q];\n", from, to, e.Label)
	}
	fmt.Fprintf(w, "  monitoring [label=%q, shape=note];\n  monitoring -> entry [style=dotted, dir=none];\n}\n", d.Monitor)
}
