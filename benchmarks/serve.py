"""The loopback feed server of the benchmarks: nginx when installed, else a Python one.

    python benchmarks/serve.py FOLDER PORT [--hosts N]   # the threaded Python server

Both send ETag, Last-Modified and gzip and answer conditional requests with 304, so a
warm refresh is all 304s. nginx serves precompressed .gz copies (gzip_static), as a
busy site or a CDN does: compressing on the fly would put the server's CPU into the
clients' figures on a 2-core machine.
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import HERE, corpus_files


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    kind: str  # "nginx" or "python"
    urls: list[str]


NGINX_CONF = """\
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    default_type application/xml;
    sendfile on; tcp_nopush on; keepalive_requests 10000;
    # Precompressed .gz beside each file: the server's CPU stays out of the client's figures.
    gzip off; gzip_static on; gzip_vary on;
    etag on; if_modified_since before;
    server {{
{listens}
        root {root};
    }}
}}
"""


def _wait_listening(host: str, port: int, proc: subprocess.Popen, what: str) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection((host, port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.025)
    raise RuntimeError(f"{what} did not start listening on {host}:{port}")


@contextmanager
def serve(folder: Path, hosts: int = 1, use_nginx: bool = True) -> Iterator[Served]:
    """Serve the feed files of `folder` over loopback; yields the URL of each file.

    `hosts` > 1 spreads the files over 127.0.0.1..127.0.0.N, as feeds live on many
    hosts in real life (a reader limits its connections per host).
    """
    files = corpus_files(folder)
    addrs = [f"127.0.0.{i + 1}" for i in range(hosts)]
    port = free_port()
    urls = [f"http://{addrs[i % hosts]}:{port}/{p.name}" for i, p in enumerate(files)]
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    with tempfile.TemporaryDirectory(prefix="reader-serve-") as tmp:
        if use_nginx and nginx:
            root = Path(tmp) / "root"
            root.mkdir()
            for p in files:
                data = p.read_bytes()
                (root / p.name).write_bytes(data)
                (root / (p.name + ".gz")).write_bytes(gzip.compress(data, 6))
            os.chmod(tmp, 0o755)  # nginx workers run as another user
            listens = "\n".join(f"        listen {a}:{port};" for a in addrs)
            conf = Path(tmp) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(tmp=tmp, listens=listens, root=root))
            cmd, kind = [nginx, "-c", str(conf), "-p", tmp, "-e", f"{tmp}/error.log"], "nginx"
        else:
            cmd = [
                sys.executable,
                str(HERE / "serve.py"),
                "serve",
                str(folder),
                str(port),
                "--hosts",
                str(hosts),
            ]
            kind = "python"
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _wait_listening(addrs[-1], port, proc, kind)
            yield Served(kind, urls)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # our own child's group: nginx and its workers
            proc.wait(timeout=10)


class _FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as nginx
    files: dict[str, tuple[bytes, bytes, str, str]] = {}  # name -> (raw, gzip, etag, last-mod)

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        entry = self.files.get(self.path.lstrip("/"))
        if entry is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        raw, packed, etag, modified = entry
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm and etag in inm) or (not inm and ims == modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = packed if "gzip" in (self.headers.get("Accept-Encoding") or "") else raw
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        if body is packed:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def python_server(folder: Path, port: int, hosts: int = 1) -> None:
    for p in corpus_files(folder):
        raw = p.read_bytes()
        stamp = email.utils.formatdate(p.stat().st_mtime, usegmt=True)
        etag = '"' + hashlib.sha1(raw).hexdigest()[:16] + '"'
        _FeedHandler.files[p.name] = (raw, gzip.compress(raw, 6), etag, stamp)
    servers = [ThreadingHTTPServer((f"127.0.0.{i + 1}", port), _FeedHandler) for i in range(hosts)]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="serve a feed folder over loopback")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("--hosts", type=int, default=1)
    args = parser.parse_args()
    python_server(args.folder, args.port, args.hosts)
