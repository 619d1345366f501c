// Package dbusers is the script of the Azure job that makes the apps'
// contained database users (users.py), with the go-sqlcmd release and the
// image it runs in, so that a test runs the very script the job runs
// without linking a cloud SDK.
package dbusers

import _ "embed"

// Script is the job's Python (python3 -c Script).
//
//go:embed users.py
var Script string

// The go-sqlcmd release the job runs, refused unless its digest matches.
// The digest is transcribed from a public CI script that downloads and
// checks this asset (kuberic's SQL Server fixture); it was not recomputed
// here (no network): verify it once with
// `curl -sL SqlcmdURL | sha256sum` before the first deploy (docs/azure.md).
const (
	SqlcmdURL    = "https://github.com/microsoft/go-sqlcmd/releases/download/v1.10.0/sqlcmd-linux-amd64.tar.bz2"
	SqlcmdSHA256 = "92516d98c63d99b0994de5b61350c91f6915f9b76f139a59039fbcb225c2e987"
)

// Image is the job's image: Microsoft's Azure CLI image (python3), by
// digest, so the identity it holds never runs a re-pointed tag. The digest
// is the one public scripts pin for 2.67.0; it was not resolved here (no
// registry access): check it with `docker buildx imagetools inspect
// mcr.microsoft.com/azure-cli:2.67.0` (docs/azure.md). A wrong digest fails
// the pull, never runs something else.
const Image = "mcr.microsoft.com/azure-cli:2.67.0@sha256:6d7791e595999664478813ee6da9b340dc087be87cce9f581ded83cc4bf15ca0"
