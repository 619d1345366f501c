"""Make the apps' contained database users on the Azure SQL writer.

Run by a scheduled Container Apps job as python3 -c <this file>, in the
writer region's network, as the servers' Microsoft Entra admin (a
user-assigned managed identity). It fetches go-sqlcmd at a pinned release,
refuses it unless its SHA-256 is the pinned one, and runs the idempotent
T-SQL of DB_USERS_SQL with it. Nothing it runs comes from a mutable name.

Environment: SQLCMD_URL, SQLCMD_SHA256 (the release asset and its digest),
DB_SERVER, DB_NAME, AZURE_CLIENT_ID (the identity's client id, as go-sqlcmd's
-U takes it), DB_USERS_SQL; SQLCMD_PATH where to put the binary (default
/tmp/sqlcmd). Exit status: sqlcmd's, or 2 for a download or digest refused.

Python 3.9 or later, standard library only.
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import urllib.request

REQUIRED = ("SQLCMD_URL", "SQLCMD_SHA256", "DB_SERVER", "DB_NAME", "AZURE_CLIENT_ID", "DB_USERS_SQL")


def fetch(url, sha256, path):
    """The sqlcmd binary of the release asset at url, written to path, or
    an error when the asset's digest is not sha256."""
    with urllib.request.urlopen(url, timeout=120) as r:
        data = r.read()
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise ValueError("%s has SHA-256 %s, not the pinned %s: not run" % (url, got, sha256))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:bz2") as t:
        member = t.extractfile(t.getmember("sqlcmd"))
        with open(path, "wb") as out:
            out.write(member.read())
    os.chmod(path, 0o755)


def main(env):
    missing = [k for k in REQUIRED if not env.get(k)]
    if missing:
        print("not set: " + ", ".join(missing), file=sys.stderr)
        return 2
    path = env.get("SQLCMD_PATH", "/tmp/sqlcmd")
    try:
        fetch(env["SQLCMD_URL"], env["SQLCMD_SHA256"], path)
    except (OSError, ValueError, KeyError, tarfile.TarError) as e:
        print("sqlcmd not fetched: %s" % e, file=sys.stderr)
        return 2
    # -U: the user-assigned identity's client id; -b: a T-SQL error fails
    # the run; -l 30: the login timeout (go-sqlcmd's flags).
    return subprocess.run([
        path, "-S", "tcp:%s,1433" % env["DB_SERVER"], "-d", env["DB_NAME"],
        "--authentication-method=ActiveDirectoryManagedIdentity", "-U", env["AZURE_CLIENT_ID"],
        "-b", "-l", "30", "-Q", env["DB_USERS_SQL"],
    ]).returncode


if __name__ == "__main__":
    sys.exit(main(os.environ))
