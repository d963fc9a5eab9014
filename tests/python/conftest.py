"""Fixtures: a real `cognate` binary on a free loopback port, and clients pointed at it."""

import json
import os
import pathlib
import subprocess
import tempfile
import threading

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ACCESS_KEY = "AKIDPYTHONTEST"
SECRET_KEY = "python-test-secret"
REGION = "us-east-1"


def cognate_bin() -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    path = os.environ.get("COGNATE_BIN") or os.path.join(target, "debug", "cognate")
    if not os.path.exists(path):
        pytest.fail(f"{path} does not exist: build it with `cargo build -p cognate-server`")
    return path


class Server:
    def __init__(self, data_dir: str, extra_args=()):
        env = dict(os.environ)
        env["COGNATE_ADMIN_CREDENTIALS"] = f"{ACCESS_KEY}:{SECRET_KEY}"
        env.setdefault("RUST_LOG", "warn")
        env.pop("COGNATE_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [
                cognate_bin(),
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                data_dir,
                *extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        self.url = self._wait_ready()
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def _wait_ready(self) -> str:
        timer = threading.Timer(60, self.process.kill)
        timer.start()
        try:
            for line in self.process.stdout:
                if line.startswith("cognate listening on "):
                    return line.split(" on ", 1)[1].strip()
        finally:
            timer.cancel()
        raise RuntimeError("cognate exited before it was ready")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server():
    with tempfile.TemporaryDirectory() as data_dir:
        srv = Server(data_dir)
        try:
            yield srv
        finally:
            srv.stop()


@pytest.fixture
def idp(server):
    return boto3.client(
        "cognito-idp",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def identity(server):
    return boto3.client(
        "cognito-identity",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def aws(server):
    """Runs the aws CLI against the server and returns its parsed JSON output."""

    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
        }
    )

    def run(*args, check=True):
        result = subprocess.run(
            ["aws", "--endpoint-url", server.url, "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {result.stderr}")
        if result.returncode != 0:
            return result
        return json.loads(result.stdout) if result.stdout.strip() else {}

    return run
