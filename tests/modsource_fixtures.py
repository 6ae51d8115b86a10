"""Real things for the module-source tests: a loopback registry/HTTP server, archives, git repositories."""
from __future__ import annotations

import io
import json
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from natpolicy.loaders.modsource import Settings
from natpolicy.loaders.modsource.cliconfig import CliConfig

MAIN_TF = 'resource "aws_nat_gateway" "this" {\n  subnet_id = "subnet-1"\n}\n'


def tar_gz(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buffer.getvalue()


@dataclass
class Seen:
    path: str
    authorization: str | None


@dataclass
class Server:
    """A loopback HTTP server with a registry API (``/v1/modules/``) and plain files (``/files/``)."""

    discovery: dict[str, object] = field(default_factory=lambda: {"modules.v1": "/v1/modules/"})
    versions: dict[str, list[str]] = field(default_factory=dict)  # "ns/name/provider" -> versions
    locations: dict[str, str] = field(default_factory=dict)  # "ns/name/provider/version" -> X-Terraform-Get
    files: dict[str, bytes] = field(default_factory=dict)  # "/files/x.tar.gz" -> body
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> extra response headers
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    requests: list[Seen] = field(default_factory=list)
    port: int = 0
    _httpd: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    def module(self, address: str, version_archives: dict[str, bytes], *, relative: bool = True) -> None:
        """Publish ``ns/name/provider`` versions, each a tar.gz served under /files/."""
        self.versions[address] = list(version_archives)
        for version, archive in version_archives.items():
            path = f"/files/{address.replace('/', '-')}-{version}.tar.gz"
            self.files[path] = archive
            self.locations[f"{address}/{version}"] = path if relative else f"{self.base}{path}"

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(Seen(self.path, self.headers.get("Authorization")))
                path = self.path.split("?")[0]
                if path in server.redirects:
                    return self._send(302, b"", {"Location": server.redirects[path]})
                if path in server.files:  # checked first: a test may answer any path with a body
                    return self._send(200, server.files[path], server.headers.get(path, {}))
                if path == "/.well-known/terraform.json":
                    return self._send(200, json.dumps(server.discovery).encode(),
                                      {"Content-Type": "application/json; charset=utf-8"})
                if path.startswith(("/v1/modules/", "/private/v1/")):
                    rest = path.split("/modules/", 1)[1] if "/modules/" in path else path.split("/v1/", 1)[1]
                    parts = rest.strip("/").split("/")
                    if len(parts) == 4 and parts[3] == "versions":
                        versions = server.versions.get("/".join(parts[:3]))
                        if versions is None:
                            return self._send(404, b'{"errors":["not found"]}')
                        body = {"modules": [{"versions": [{"version": v} for v in versions]}]}
                        return self._send(200, json.dumps(body).encode())
                    if len(parts) == 5 and parts[4] == "download":
                        location = server.locations.get("/".join(parts[:4]))
                        if location is None:
                            return self._send(404, b"")
                        return self._send(204, b"", {"X-Terraform-Get": location})
                self._send(404, b"not found")

            def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if code != 204:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if code != 204:
                    self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


def serve() -> Iterator[Server]:
    """For a test module's own ``server`` fixture: ``yield from serve()``."""
    srv = Server()
    srv.start()
    yield srv
    srv.stop()


def settings_for(tmp_path: Path, **changes: object) -> Settings:
    """Settings that keep everything in tmp_path: the cache, HOME, no CLI configuration of the user's."""
    env = {"PATH": __import__("os").environ.get("PATH", ""), "HOME": str(tmp_path / "home")}
    base: dict[str, object] = {"cache_dir": tmp_path / "cache", "env": env, "cli_config": CliConfig(),
                               "timeout": 10.0, "git_timeout": 60.0}
    base.update(changes)
    return Settings(**base)  # type: ignore[arg-type]


GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args: str) -> str:
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    commit_files(path, files, "first")
    return path


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
