"""Debian's nginx as a child process, configured with the proxy_cache lines of
docs/deploy.md ("Pages from nginx's cache"), for tests/test_ops_edge.py and `make loadtest`.

Everything (prefix, configuration, cache, temporary files, logs) lives in one folder;
nginx runs in the foreground on loopback ports and stops with stop().
"""

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"


def binary():
    """nginx's path, or "" when it is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else ""


def documented_config():
    """The two nginx blocks of docs/deploy.md: the http level, and the cache lines of
    `location /` (between its "edge cache" markers)."""
    doc = DOCS.read_text()
    http = re.search(r"```nginx\n# /etc/nginx/conf.d/digestblog-cache.conf\n(.*?)```", doc, re.S)
    location = re.search(r"# edge cache: begin\n(.*?)\n\s*# edge cache: end", doc, re.S)
    if not (http and location):
        raise LookupError("docs/deploy.md lost its nginx cache configuration")
    return http.group(1), location.group(1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nginx:
    """One nginx: `edge` proxies to gunicorn at `upstream_port` through the documented
    cache; `files`, when given, is a folder served as it is at /file/ on a second port.

    workers=0: a single process (master_process off), for tests; otherwise a master and
    that many workers, as in production (as root they run as root: the folder is ours).
    forwarded_for: the reader address the app is told (X-Forwarded-For)."""

    def __init__(self, folder, upstream_port, files=None, workers=0, forwarded_for=None):
        self.folder = Path(folder)
        self.port, self.file_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.file_url = f"http://127.0.0.1:{self.file_port}/file/"
        http, location = documented_config()
        http = http.replace("/var/cache/nginx/digestblog", str(self.folder / "cache"))
        if workers:
            user = "user root;\n" if os.geteuid() == 0 else ""
            processes = f"{user}worker_processes {workers};"
        else:
            processes = "master_process off;"
        logs = f"access_log {self.folder}/access.log;" if not workers else "access_log off;"
        files_server = (
            f"""    server {{
        listen 127.0.0.1:{self.file_port};
        location /file/ {{ alias {files}/; default_type "text/html; charset=utf-8"; }}
    }}
"""
            if files
            else ""
        )
        self.conf = self.folder / "nginx.conf"
        self.conf.write_text(
            f"""daemon off;
{processes}
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {logs}
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {self.folder}/client_body;
    proxy_temp_path {self.folder}/proxy;
    fastcgi_temp_path {self.folder}/fastcgi;
    uwsgi_temp_path {self.folder}/uwsgi;
    scgi_temp_path {self.folder}/scgi;
{http}
    upstream digestblog {{
        server 127.0.0.1:{upstream_port} fail_timeout=0;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
{location}
            proxy_pass http://digestblog;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For {forwarded_for or "$remote_addr"};
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_redirect off;
        }}
    }}
{files_server}}}
"""
        )
        self.process = None

    def start(self, probe="/healthz", timeout=15):
        with (self.folder / "nginx.out").open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [binary(), "-p", str(self.folder), "-c", str(self.conf),
                 "-e", str(self.folder / "error.log")],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.output()}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", probe)
                conn.getresponse().read()
                conn.close()
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not answer:\n{self.output()}")

    def output(self):
        parts = [self.folder / "nginx.out", self.folder / "error.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
