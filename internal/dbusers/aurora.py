"""Lambda handler: give the app's IAM database user its rights on Aurora.

Runs in the writer region's private subnets (Python runtime, whose boto3
reads the admin credentials), invoked by the deployment. It takes the
admin's credentials from Secrets Manager (ADMIN_SECRET_ARN: the cluster's
master secret, JSON with username and password), the region's RDS
certificate bundle from AWS's trust store (RDS_CA_URL, over verified
HTTPS), and runs DB_GRANTS_SQL with pg.py (shipped beside it) against
DB_HOST / DB_NAME. A failure raises, so the invocation, and `pulumi up`,
fail with the reason in the function's log.
"""

import json
import os
import urllib.request

import pg


def secret_string(arn):
    import boto3  # in the Lambda Python runtime
    return boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]


def handler(event, context, fetch_secret=secret_string):
    admin = json.loads(fetch_secret(os.environ["ADMIN_SECRET_ARN"]))
    ca = os.environ.get("DB_CA_CERTS")
    if not ca:
        with urllib.request.urlopen(os.environ["RDS_CA_URL"], timeout=30) as r:
            ca = r.read().decode()
    env = dict(os.environ, DB_USER=admin["username"], DB_PASSWORD=admin["password"], DB_CA_CERTS=ca)
    code = pg.main(env)
    if code != 0:
        raise RuntimeError("the database users job failed (exit %d): its log line says why" % code)
    return {"status": "done"}
