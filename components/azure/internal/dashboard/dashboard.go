// Package dashboard creates an Azure portal dashboard of markdown tiles.
//
// It is a package of its own for build time: naming any type of the
// azure-native portal module makes the compiler instantiate its inlined
// pulumi.AnyOutput accessors, about 7,700 generic functions and 2 s of
// compile, in every package that does (docs/development.md). Here that cost
// is paid once and stays cached while components/azure changes.
package dashboard

import (
	"github.com/pulumi/pulumi-azure-native-sdk/portal/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MarkdownPart is the portal's part type for a markdown tile.
const MarkdownPart = "Extension/HubsExtension/PartType/MarkdownPart"

// Tile is one markdown tile at a grid position.
type Tile struct {
	X, Y, ColSpan, RowSpan int
	Title                  string
	Content                pulumi.StringInput
}

// Args are the dashboard's name, place and tiles (one lens).
type Args struct {
	DashboardName string
	ResourceGroup pulumi.StringInput
	Location      string
	Tiles         []Tile
	Tags          pulumi.StringMapInput
}

// New creates the dashboard and returns its resource id. Not inlined:
// inlined into components/azure, it would name the slow types there.
//
//go:noinline
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	parts := make(portal.DashboardPartsArray, 0, len(args.Tiles))
	for _, t := range args.Tiles {
		parts = append(parts, &portal.DashboardPartsArgs{
			Position: &portal.DashboardPartsPositionArgs{X: pulumi.Int(t.X), Y: pulumi.Int(t.Y), ColSpan: pulumi.Int(t.ColSpan), RowSpan: pulumi.Int(t.RowSpan)},
			Metadata: &portal.DashboardPartMetadataArgs{
				Type:   pulumi.String(MarkdownPart),
				Inputs: pulumi.Array{},
				Settings: pulumi.Map{"content": pulumi.Map{"settings": pulumi.Map{
					"title": pulumi.String(t.Title), "content": t.Content,
				}}},
			},
		})
	}
	dash, err := portal.NewDashboard(ctx, name, &portal.DashboardArgs{
		DashboardName: pulumi.String(args.DashboardName), ResourceGroupName: args.ResourceGroup,
		Location: pulumi.String(args.Location),
		Properties: &portal.DashboardPropertiesWithProvisioningStateArgs{Lenses: portal.DashboardLensArray{
			&portal.DashboardLensArgs{Order: pulumi.Int(0), Parts: parts},
		}},
		Tags: args.Tags,
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return dash.ID().ToStringOutput(), nil
}
