"""Write the stack's documents into a region's static container.

Run by a scheduled Container Apps job as python3 -c <this file>, in the
region's network (the storage account admits no public network and no
shared key), as a user-assigned identity that holds Storage Blob Data
Contributor on the static container alone. Each document is written only
when what the container holds differs (the account keeps versions: an
unchanged document makes none).

Environment: BLOB_ENDPOINT (https://<account>.blob.core.windows.net),
CONTAINER, DOCUMENTS (a JSON list of {"blob", "content", "contentType",
"cacheControl"}), AZURE_CLIENT_ID, and the Container Apps identity endpoint
(IDENTITY_ENDPOINT, IDENTITY_HEADER). Exit status 1 when a document could
not be read or written.

Python 3.9 or later, standard library only.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

# Bearer tokens need service version 2017-11-09 or later (Azure Storage,
# "Authorize with Microsoft Entra ID").
VERSION = "2021-08-06"
REQUIRED = ("BLOB_ENDPOINT", "CONTAINER", "DOCUMENTS", "AZURE_CLIENT_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER")


def token(env):
    """A token for Azure Storage from the Container Apps identity endpoint
    (api-version 2019-08-01, the X-IDENTITY-HEADER secret)."""
    q = urllib.parse.urlencode({"resource": "https://storage.azure.com/", "api-version": "2019-08-01", "client_id": env["AZURE_CLIENT_ID"]})
    req = urllib.request.Request(env["IDENTITY_ENDPOINT"] + "?" + q, headers={"X-IDENTITY-HEADER": env["IDENTITY_HEADER"]})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["access_token"]


def current(url, bearer):
    """The blob's content, content type and cache control, or None."""
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + bearer, "x-ms-version": VERSION})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read(), r.headers.get("Content-Type", ""), r.headers.get("Cache-Control", "")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def write(url, bearer, doc):
    body = doc["content"].encode("utf-8")
    headers = {
        "Authorization": "Bearer " + bearer, "x-ms-version": VERSION, "x-ms-blob-type": "BlockBlob",
        "Content-Type": doc["contentType"], "x-ms-blob-content-type": doc["contentType"],
    }
    if doc.get("cacheControl"):
        headers["x-ms-blob-cache-control"] = doc["cacheControl"]
    req = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    with urllib.request.urlopen(req, timeout=30):
        pass


def main(env):
    missing = [k for k in REQUIRED if not env.get(k)]
    if missing:
        print("not set: " + ", ".join(missing), file=sys.stderr)
        return 1
    try:
        docs = json.loads(env["DOCUMENTS"])
        bearer = token(env)
    except (OSError, ValueError, KeyError) as e:
        print("cannot start: %s" % e, file=sys.stderr)
        return 1
    status = 0
    for doc in docs:
        url = "%s/%s/%s" % (env["BLOB_ENDPOINT"].rstrip("/"), env["CONTAINER"], urllib.parse.quote(doc["blob"]))
        want = (doc["content"].encode("utf-8"), doc["contentType"], doc.get("cacheControl", ""))
        try:
            if current(url, bearer) == want:
                print("%s unchanged" % doc["blob"])
                continue
            write(url, bearer, doc)
            print("%s written" % doc["blob"])
        except (OSError, ValueError) as e:
            print("%s not written: %s" % (doc["blob"], e), file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(os.environ))
