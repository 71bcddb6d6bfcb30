"""Media in S3-compatible storage (moto in server mode on a loopback port): /readyz checks
the bucket, and says so when the storage is down; images from it pass the CSP."""

import json
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from tests.ops_helpers import (  # noqa: F401 (fixtures)
    Gunicorn,
    base_env,
    collected_static,
    fetch,
    free_port,
    ops_media,
    ops_postgres,
)

BUCKET = "digestblog-ops-media"


@pytest.fixture
def s3(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(tmp_path / "moto.log", "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (moto_server from our virtualenv)
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            fetch(endpoint + "/", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint, process
    if process.poll() is None:
        process.terminate()
        process.wait(10)


def test_readiness_checks_the_bucket(s3, collected_static, ops_postgres, tmp_path):  # noqa: F811
    endpoint, moto = s3
    env = base_env(
        DATABASE_URL=ops_postgres,
        DJANGO_STATIC_ROOT=collected_static,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        WEB_CONCURRENCY=1,
    )
    gunicorn = Gunicorn(env, tmp_path).start()
    try:
        status, _, body = gunicorn.get("/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"]["storage"]["ok"] is True
        # Media URLs point at the bucket's host, which the policy allows for images.
        headers = gunicorn.get("/robots.txt")[1]
        img_src = next(
            part
            for part in headers["Content-Security-Policy"].split(";")
            if part.split()[0] == "img-src"
        )
        assert endpoint in img_src.split()

        moto.terminate()
        moto.wait(10)
        started = time.monotonic()
        status, _, body = gunicorn.get("/readyz", timeout=30)
        seconds = time.monotonic() - started
        report = json.loads(body)
        assert status == 503
        assert report["checks"]["storage"]["ok"] is False
        assert report["checks"]["database"]["ok"] is True
        assert seconds < 5, f"storage check took {seconds:.1f} s"
        assert gunicorn.get("/healthz")[0] == 200
    finally:
        gunicorn.stop()
