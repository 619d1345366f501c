"""Give the apps' IAM database users their rights on the Cloud SQL writer.

Run by a Cloud Run job as python3 -c <this file>, in the writer region's
network (Direct VPC egress), as Cloud SQL's built-in admin user. It speaks
the PostgreSQL wire protocol itself (protocol 3.0: SSLRequest, startup,
SCRAM-SHA-256 or MD5, one simple query), so the image needs Python and nothing
else: no psql, no driver from a package index.

TLS is required (the instances take ENCRYPTED_ONLY) and the server's
certificate must chain to one of the Cloud SQL server CAs in DB_CA_CERTS;
its host name is not checked, as Cloud SQL's certificates name the instance,
not the address (psql's sslmode=verify-ca). The server's SCRAM signature is
checked too, so a server that does not know the password is refused.

Environment: DB_HOST, DB_NAME, DB_USER, DB_PASSWORD (the admin's, from
Secret Manager), DB_CA_CERTS (PEM), DB_GRANTS_SQL (the statements, run as
one implicit transaction: all or nothing); DB_PORT (default 5432),
DB_CONNECT_SECONDS (how long to retry a refused connection, default 120).
Exit status: 0 done, 1 the server refused (sign-in or a statement), 2 not
configured or not reached. One JSON line on stdout says what happened.

Python 3.9 or later, standard library only.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import ssl
import struct
import sys
import time

REQUIRED = ("DB_HOST", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_CA_CERTS", "DB_GRANTS_SQL")

# SSLRequest: length 8, code 80877103 (PostgreSQL protocol, "SSL Session
# Encryption"); StartupMessage protocol 3.0.
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
PROTOCOL_3 = 196608


class Refused(Exception):
    """The server said no (an ErrorResponse, or a failed SCRAM check)."""


def error_fields(body):
    """An ErrorResponse's fields by their code (S severity, C SQLSTATE, M
    message, ...)."""
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode("utf-8", "replace")
    return fields


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, kind, body):
        self.sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)

    def read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("the server closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def message(self):
        kind = self.read(1)
        (length,) = struct.unpack("!i", self.read(4))
        body = self.read(length - 4)
        if kind == b"E":
            f = error_fields(body)
            raise Refused("%s %s: %s" % (f.get("S", "ERROR"), f.get("C", "?"), f.get("M", "")))
        return kind, body


def tls(host, port, ca_pem, timeout):
    raw = socket.create_connection((host, port), timeout=timeout)
    raw.settimeout(timeout)
    raw.sendall(SSL_REQUEST)
    answer = raw.recv(1)
    if answer != b"S":
        raw.close()
        raise Refused("the server does not offer TLS (answered %r)" % answer)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False  # Cloud SQL certificates name the instance
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cadata=ca_pem)
    return ctx.wrap_socket(raw)


def scram(conn, user, password, mechanisms):
    """SCRAM-SHA-256 without channel binding (RFC 5802, RFC 7677; the
    PostgreSQL protocol's "SASL Authentication"). The user name travels in
    the startup message, so the SCRAM one is empty, as libpq sends it."""
    if "SCRAM-SHA-256" not in mechanisms:
        raise Refused("the server offers %s, not SCRAM-SHA-256" % ", ".join(mechanisms))
    nonce = base64.b64encode(secrets.token_bytes(18)).decode()
    first_bare = "n=,r=" + nonce
    first = ("n,," + first_bare).encode()
    conn.send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!i", len(first)) + first)
    kind, body = conn.message()
    code = struct.unpack("!i", body[:4])[0]
    if kind != b"R" or code != 11:
        raise Refused("expected SASLContinue, got %r %d" % (kind, code))
    server_first = body[4:].decode()
    attrs = dict(a.split("=", 1) for a in server_first.split(","))
    if not attrs.get("r", "").startswith(nonce):
        raise Refused("the server's SCRAM nonce does not extend ours")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    final_bare = "c=biws,r=" + attrs["r"]
    auth = ",".join((first_bare, server_first, final_bare)).encode()
    signature = hmac.new(stored_key, auth, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    conn.send(b"p", (final_bare + ",p=" + base64.b64encode(proof).decode()).encode())
    kind, body = conn.message()
    code = struct.unpack("!i", body[:4])[0]
    if kind != b"R" or code != 12:
        raise Refused("expected SASLFinal, got %r %d" % (kind, code))
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    want = base64.b64encode(hmac.new(server_key, auth, "sha256").digest()).decode()
    if dict(a.split("=", 1) for a in body[4:].decode().split(",")).get("v") != want:
        raise Refused("the server's SCRAM signature is wrong: it does not know the password")


def sign_in(conn, user, password, database):
    params = b"".join(k + b"\0" + v.encode() + b"\0" for k, v in (
        (b"user", user), (b"database", database), (b"application_name", "mobile-backend-db-users")))
    body = struct.pack("!i", PROTOCOL_3) + params + b"\0"
    conn.sock.sendall(struct.pack("!i", len(body) + 4) + body)
    while True:
        kind, body = conn.message()
        if kind == b"R":
            code = struct.unpack("!i", body[:4])[0]
            if code == 0:
                continue
            if code == 10:
                scram(conn, user, password, [m.decode() for m in body[4:].split(b"\0") if m])
                continue
            if code == 5:
                # MD5, for a server that still stores md5 hashes (Aurora
                # PostgreSQL follows password_encryption): the hash of the
                # hash with the server's salt, inside the verified TLS.
                inner = hashlib.md5(password.encode() + user.encode()).hexdigest()
                outer = hashlib.md5(inner.encode() + body[4:8]).hexdigest()
                conn.send(b"p", b"md5" + outer.encode() + b"\0")
                continue
            # Cleartext (3) is refused: the admin's password never leaves
            # this job as it is, even inside TLS.
            raise Refused("the server asks for authentication method %d; only SCRAM-SHA-256 and MD5 are spoken" % code)
        if kind == b"Z":
            return


def run(conn, sql):
    """The statements as one simple query: PostgreSQL runs a multi-statement
    query string as one implicit transaction, so an error rolls back all of
    it. The number of commands completed."""
    conn.send(b"Q", sql.encode() + b"\0")
    done, failure = 0, None
    while True:
        try:
            kind, _ = conn.message()
        except Refused as e:
            failure = e  # ReadyForQuery still follows
            continue
        if kind == b"C":
            done += 1
        elif kind == b"Z":
            if failure:
                raise failure
            return done


def say(**fields):
    print(json.dumps(dict(fields, job="db-users"), sort_keys=True), flush=True)


def main(env):
    missing = [k for k in REQUIRED if not env.get(k)]
    if missing:
        say(event="error", reason="not set: " + ", ".join(missing))
        return 2
    host, port = env["DB_HOST"], int(env.get("DB_PORT", "5432"))
    # A fresh Cloud Run instance's Direct VPC egress can take "a minute or
    # more" to connect (Cloud Run, "Direct VPC egress": limitations), as can
    # a Lambda's first network interface: connection errors are retried
    # until DB_CONNECT_SECONDS (default 120) have passed; TLS errors are not.
    deadline = time.monotonic() + float(env.get("DB_CONNECT_SECONDS", "120"))
    while True:
        try:
            sock = tls(host, port, env["DB_CA_CERTS"], 30)
            break
        except (ConnectionError, socket.timeout, socket.gaierror) as e:
            if time.monotonic() >= deadline:
                say(event="error", reason="%s:%d not reached: %s" % (host, port, e))
                return 2
            time.sleep(2)
        except (OSError, ssl.SSLError, ValueError) as e:
            say(event="error", reason="%s:%d not reached over verified TLS: %s" % (host, port, e))
            return 2
        except Refused as e:
            say(event="error", reason=str(e))
            return 1
    conn = Conn(sock)
    try:
        sign_in(conn, env["DB_USER"], env["DB_PASSWORD"], env["DB_NAME"])
        done = run(conn, env["DB_GRANTS_SQL"])
        conn.send(b"X", b"")
    except Refused as e:
        say(event="error", reason=str(e))
        return 1
    except OSError as e:
        say(event="error", reason="connection lost: %s" % e)
        return 2
    finally:
        sock.close()
    say(event="done", statements=done, database=env["DB_NAME"], host=host)
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ))
