// Package dbusers holds the scripts of the jobs that give the apps their
// database users: Azure's, which makes the contained users (users.py, with
// the go-sqlcmd release and the image it runs in), Google Cloud's, which
// grants the IAM users their rights on Cloud SQL for PostgreSQL (pg.py,
// with the statements of GrantsSQL), and AWS's, a Lambda handler that makes
// the IAM user on Aurora PostgreSQL (aurora.py with pg.py, AuroraUsersSQL),
// so that a test runs the very scripts the jobs run without linking a
// cloud SDK.
package dbusers

import (
	_ "embed"
	"fmt"
	"strings"
)

// Script is the Azure job's Python (python3 -c Script).
//
//go:embed users.py
var Script string

// PostgresScript is the Google Cloud job's Python (python3 -c
// PostgresScript): a standard-library PostgreSQL client that signs in with
// SCRAM-SHA-256 over verified TLS and runs DB_GRANTS_SQL.
//
//go:embed pg.py
var PostgresScript string

// AuroraHandler is the AWS job's Lambda handler (index.py beside pg.py):
// it reads the admin's credentials from Secrets Manager and runs
// PostgresScript's main.
//
//go:embed aurora.py
var AuroraHandler string

// AuroraUsersSQL makes the app's IAM database user on Aurora PostgreSQL,
// if missing, lets it sign in with IAM tokens (GRANT rds_iam: Aurora User
// Guide, "Creating a database account using IAM authentication") and gives
// it GrantsSQL's read and write.
func AuroraUsersSQL(database, user string) string {
	return fmt.Sprintf("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN CREATE ROLE %s LOGIN; END IF; END $$; GRANT rds_iam TO %s;\n",
		quoteLiteral(user), quoteIdent(user), quoteIdent(user)) + GrantsSQL(database, []string{user})
}

// quoteLiteral is a PostgreSQL string literal: in single quotes, a single
// quote doubled.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// GrantsSQL is the idempotent PostgreSQL that gives each user read and
// write on the database's public schema (tables and sequences, those of
// today and, through default privileges, those the admin creates later),
// and no DDL: the same rights as Azure's db_datareader and db_datawriter.
// It runs as the admin, which owns the schema's objects (Cloud SQL makes
// its built-in users members of cloudsqlsuperuser, the owner of databases
// made through the Admin API).
func GrantsSQL(database string, users []string) string {
	var b strings.Builder
	for _, u := range users {
		q := quoteIdent(u)
		fmt.Fprintf(&b, "GRANT CONNECT ON DATABASE %s TO %s; ", quoteIdent(database), q)
		fmt.Fprintf(&b, "GRANT USAGE ON SCHEMA public TO %s; ", q)
		fmt.Fprintf(&b, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %s; ", q)
		fmt.Fprintf(&b, "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %s; ", q)
		fmt.Fprintf(&b, "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s; ", q)
		fmt.Fprintf(&b, "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %s;", q)
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// quoteIdent is a PostgreSQL quoted identifier: in double quotes, a double
// quote doubled (PostgreSQL, "Identifiers and Key Words").
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

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
