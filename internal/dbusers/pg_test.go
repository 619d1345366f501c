package dbusers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Cloud SQL side of the job is a real PostgreSQL server: TLS required,
// SCRAM-SHA-256 only, roles laid out as Cloud SQL lays them out (the admin
// a member of cloudsqlsuperuser, which owns the database; the IAM users
// roles of their own). .ci/run installs Debian's postgresql-15; elsewhere
// the tests skip unless CI is set.

type pgServer struct {
	bin, dir, port string
	caPEM          string // the server CA's certificate
	asServer       []string
}

func startPostgres(t *testing.T) *pgServer { return startPostgresWith(t, "scram-sha-256") }

// startPostgresWith starts the server with the TLS connections' password
// method: scram-sha-256 (Cloud SQL), or md5, which takes md5-stored
// passwords as Aurora may keep them (password_encryption).
func startPostgresWith(t *testing.T, method string) *pgServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL server: .ci/run installs postgresql-15")
		}
		t.Skip("no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql-15 runs these tests)")
	}
	s := &pgServer{bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "pgjob")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.dir = dir
	// PostgreSQL refuses to run as root: as root, the server runs as nobody.
	if os.Geteuid() == 0 {
		require.NoError(t, os.Chmod(dir, 0o755))
		require.NoError(t, os.Chown(dir, 65534, 65534))
		s.asServer = []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"}
	}
	data := filepath.Join(dir, "data")
	s.server(t, "initdb", "-D", data, "-U", "postgres", "-E", "UTF8", "--auth=trust")

	ca, caKey := newCert(t, "Google Cloud SQL Server CA", nil, nil)
	s.caPEM = pemOf(ca)
	srv, srvKey := newCert(t, "mobile-backend-test:gcp-prod-db", ca, caKey)
	s.writeServerFile(t, filepath.Join(data, "server.crt"), pemOf(srv))
	s.writeServerFile(t, filepath.Join(data, "server.key"), keyPEM(t, srvKey))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close())
	conf := fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nssl = on\npassword_encryption = 'scram-sha-256'\n", s.port, dir)
	appendFile(t, filepath.Join(data, "postgresql.conf"), conf)
	// As Cloud SQL with ENCRYPTED_ONLY: TLS or nothing, passwords by SCRAM.
	s.writeServerFile(t, filepath.Join(data, "pg_hba.conf"),
		"local all all trust\nhostssl all all 127.0.0.1/32 "+method+"\nhostnossl all all 127.0.0.1/32 reject\n")
	s.server(t, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "start")
	t.Cleanup(func() {
		args := append(append([]string{}, s.asServer...), filepath.Join(s.bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
		_ = exec.Command(args[0], args[1:]...).Run()
	})
	s.psql(t, "postgres", `CREATE ROLE cloudsqlsuperuser NOLOGIN;
CREATE ROLE mobile_admin LOGIN PASSWORD 'admin-pw' IN ROLE cloudsqlsuperuser;
CREATE DATABASE app OWNER cloudsqlsuperuser;
CREATE ROLE "app-eu@proj.iam" LOGIN; CREATE ROLE "app-us@proj.iam" LOGIN; CREATE ROLE "app-new@proj.iam" LOGIN;`)
	s.psql(t, "app", `SET ROLE mobile_admin; CREATE TABLE devices (id serial PRIMARY KEY, token text);`)
	return s
}

func (s *pgServer) server(t *testing.T, tool string, args ...string) {
	t.Helper()
	argv := append(append([]string{}, s.asServer...), filepath.Join(s.bin, tool))
	argv = append(argv, args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", tool, out)
}

func (s *pgServer) writeServerFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	if len(s.asServer) > 0 {
		require.NoError(t, os.Chown(path, 65534, 65534))
	}
}

// try runs sql as the bootstrap superuser over the server's socket, and
// returns its output and error.
func (s *pgServer) try(database, sql string) (string, error) {
	// From standard input, statement by statement (-c would make one
	// transaction of them, which CREATE DATABASE refuses).
	cmd := exec.Command(filepath.Join(s.bin, "psql"), "-h", s.dir, "-p", s.port, "-U", "postgres", "-d", database,
		"-v", "ON_ERROR_STOP=1", "-qAt", "-f", "-")
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (s *pgServer) psql(t *testing.T, database, sql string) string {
	t.Helper()
	out, err := s.try(database, sql)
	require.NoError(t, err, out)
	return out
}

type grantRun struct {
	code   int
	said   map[string]any
	stdout string
}

func (s *pgServer) runJob(t *testing.T, env map[string]string) grantRun {
	t.Helper()
	base := map[string]string{
		"PATH": os.Getenv("PATH"), "DB_HOST": "127.0.0.1", "DB_PORT": s.port, "DB_NAME": "app",
		"DB_USER": "mobile_admin", "DB_PASSWORD": "admin-pw", "DB_CA_CERTS": s.caPEM,
		"DB_GRANTS_SQL": GrantsSQL("app", []string{"app-eu@proj.iam", "app-us@proj.iam"}),
	}
	for k, v := range env {
		if v == "" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	cmd := exec.Command("python3", "-c", PostgresScript)
	for k, v := range base {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	r := grantRun{stdout: string(out)}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
		r.stdout += string(exit.Stderr)
	} else {
		require.NoError(t, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &r.said), "the job's last line is JSON: %s", r.stdout)
	return r
}

func TestTheGrantsJobGivesTheIAMUsersReadAndWriteAndNoDDL(t *testing.T) {
	t.Parallel()
	s := startPostgres(t)
	r := s.runJob(t, nil)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, "done", r.said["event"])
	assert.EqualValues(t, 12, r.said["statements"], "six statements for each of the two users")

	as := func(user, sql string) (string, error) {
		return s.try("app", fmt.Sprintf(`SET ROLE %s; %s`, quoteIdent(user), sql))
	}
	// Today's table and its sequence (serial): read and write.
	out, err := as("app-eu@proj.iam", `INSERT INTO devices (token) VALUES ('eu') RETURNING id; SELECT count(*) FROM devices; UPDATE devices SET token = 'eu2'; DELETE FROM devices WHERE token = 'none';`)
	require.NoError(t, err, out)
	// Tomorrow's table, made by the admin (or a migration signed in as it):
	// the default privileges reach it with no new run.
	s.psql(t, "app", `SET ROLE mobile_admin; CREATE TABLE receipts (id bigserial PRIMARY KEY, body text);`)
	out, err = as("app-us@proj.iam", `INSERT INTO receipts (body) VALUES ('r'); SELECT body FROM receipts;`)
	require.NoError(t, err, out)
	assert.Contains(t, out, "r")
	// No DDL: PostgreSQL 15 gives PUBLIC no CREATE on public any more.
	out, err = as("app-eu@proj.iam", `CREATE TABLE mine (id int);`)
	require.Error(t, err)
	assert.Contains(t, out, "permission denied for schema public")
	out, err = as("app-eu@proj.iam", `DROP TABLE devices;`)
	require.Error(t, err)
	assert.Contains(t, out, "must be owner")
	// A user the job was not given has nothing.
	out, err = as("app-new@proj.iam", `SELECT count(*) FROM devices;`)
	require.Error(t, err)
	assert.Contains(t, out, "permission denied for table devices")

	again := s.runJob(t, nil)
	assert.Equal(t, 0, again.code, "a second run changes nothing and succeeds: %s", again.stdout)
}

func TestTheGrantsJobIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := startPostgres(t)
	r := s.runJob(t, map[string]string{"DB_GRANTS_SQL": GrantsSQL("app", []string{"app-new@proj.iam", "app-gone@proj.iam"})})
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "error", r.said["event"])
	assert.Contains(t, r.said["reason"], `42704: role "app-gone@proj.iam" does not exist`)
	out, err := s.try("app", `SET ROLE "app-new@proj.iam"; SELECT count(*) FROM devices;`)
	require.Error(t, err, "the first user's grants rolled back with the failed statement")
	assert.Contains(t, out, "permission denied")
}

func TestTheGrantsJobRefusesAWrongPasswordAndAnUnknownCA(t *testing.T) {
	t.Parallel()
	s := startPostgres(t)
	r := s.runJob(t, map[string]string{"DB_PASSWORD": "guess"})
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.said["reason"], "28P01: password authentication failed for user \"mobile_admin\"")

	other, _ := newCert(t, "Some other CA", nil, nil)
	r = s.runJob(t, map[string]string{"DB_CA_CERTS": pemOf(other)})
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.said["reason"], "not reached over verified TLS")
	assert.Contains(t, r.said["reason"], "CERTIFICATE_VERIFY_FAILED")

	// The CA bundle may hold every instance's CA (a promoted replica has its
	// own): one of them is enough.
	r = s.runJob(t, map[string]string{"DB_CA_CERTS": pemOf(other) + s.caPEM})
	assert.Equal(t, 0, r.code, r.stdout)
}

func TestTheGrantsJobNamesWhatItLacks(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("python3", "-c", PostgresScript)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DB_HOST=127.0.0.1"}
	out, err := cmd.Output()
	require.Error(t, err)
	assert.Equal(t, 2, err.(*exec.ExitError).ExitCode())
	assert.Contains(t, string(out), "not set: DB_NAME, DB_USER, DB_PASSWORD, DB_CA_CERTS, DB_GRANTS_SQL")
}

func TestGrantsSQLQuotesEveryName(t *testing.T) {
	t.Parallel()
	sql := GrantsSQL(`my"db`, []string{`a"b@p.iam`})
	assert.Contains(t, sql, `ON DATABASE "my""db" TO "a""b@p.iam";`)
	assert.NotContains(t, strings.ReplaceAll(sql, `""`, ""), `a"b`, "no name ends its quotes")
}

func newCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	signer, signerKey := tmpl, key
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		signer, signerKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c, key
}

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func keyPEM(t *testing.T, k *ecdsa.PrivateKey) string {
	der, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

func appendFile(t *testing.T, path, s string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(s)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// runAurora runs the Lambda handler as the Lambda runtime would (index.py
// beside pg.py), with a Secrets Manager answer of the master secret's shape.
func (s *pgServer) runAurora(t *testing.T, password string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.py"), []byte(AuroraHandler), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pg.py"), []byte(PostgresScript), 0o644))
	secret, _ := json.Marshal(map[string]any{"engine": "postgres", "username": "mobile_admin", "password": password, "host": "global.example", "port": 5432, "dbname": "app"})
	driver := `import sys, json, index
print(json.dumps(index.handler({}, None, fetch_secret=lambda arn: sys.argv[1] if arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-AbCdEf" else None)))`
	cmd := exec.Command("python3", "-c", driver, string(secret))
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PYTHONPATH=" + dir,
		"ADMIN_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:master-AbCdEf",
		"DB_HOST=127.0.0.1", "DB_PORT=" + s.port, "DB_NAME=app", "DB_CA_CERTS=" + s.caPEM,
		"DB_GRANTS_SQL=" + AuroraUsersSQL("app", "app")}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestTheAuroraJobMakesTheIAMUserAndItsRights(t *testing.T) {
	t.Parallel()
	s := startPostgresWith(t, "md5")
	// As Aurora: rds_iam exists, the master user's password stored as md5.
	// As on Aurora, the master user has the CREATEROLE attribute.
	s.psql(t, "postgres", `CREATE ROLE rds_iam NOLOGIN; SET password_encryption = 'md5'; ALTER ROLE mobile_admin CREATEROLE PASSWORD 'admin-pw';`)
	out, err := s.runAurora(t, "admin-pw")
	require.NoError(t, err, out)
	assert.Contains(t, out, `"event": "done"`)
	assert.Contains(t, out, `{"status": "done"}`)
	assert.Equal(t, "t", s.psql(t, "app", `SELECT pg_has_role('app', 'rds_iam', 'MEMBER')`), "the user signs in with IAM tokens")
	assert.Equal(t, "t", s.psql(t, "app", `SELECT rolcanlogin FROM pg_roles WHERE rolname = 'app'`))
	got, err := s.try("app", `SET ROLE app; INSERT INTO devices (token) VALUES ('x'); SELECT count(*) FROM devices;`)
	require.NoError(t, err, got)
	_, err = s.try("app", `SET ROLE app; CREATE TABLE mine (id int);`)
	require.Error(t, err, "no DDL")

	again, err := s.runAurora(t, "admin-pw")
	require.NoError(t, err, "an existing user is kept: %s", again)

	bad, err := s.runAurora(t, "guess")
	require.Error(t, err, "a failure fails the invocation, and pulumi up with it")
	assert.Contains(t, bad, "28P01: password authentication failed")
	assert.Contains(t, bad, "RuntimeError: the database users job failed (exit 1)")
}

// A network that comes up late (Direct VPC egress, a Lambda's first
// interface) is waited for: the writer's port opens two seconds after the
// job starts, and the job still succeeds.
func TestTheGrantsJobWaitsForTheNetwork(t *testing.T) {
	t.Parallel()
	s := startPostgres(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	require.NoError(t, l.Close()) // refused until the forwarder opens it
	go func() {
		time.Sleep(2 * time.Second)
		fwd, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			return
		}
		t.Cleanup(func() { _ = fwd.Close() })
		for {
			c, err := fwd.Accept()
			if err != nil {
				return
			}
			go func() {
				up, err := net.Dial("tcp", "127.0.0.1:"+s.port)
				if err != nil {
					_ = c.Close()
					return
				}
				go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
				_, _ = io.Copy(c, up)
				_ = c.Close()
			}()
		}
	}()
	start := time.Now()
	r := s.runJob(t, map[string]string{"DB_PORT": port, "DB_CONNECT_SECONDS": "30"})
	assert.Equal(t, 0, r.code, r.stdout)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second, "it waited for the port")

	closed := s.runJob(t, map[string]string{"DB_PORT": "1", "DB_CONNECT_SECONDS": "0"})
	assert.Equal(t, 2, closed.code)
	assert.Contains(t, closed.said["reason"], "127.0.0.1:1 not reached")
}
