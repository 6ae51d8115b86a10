"""Registry sources against a real loopback registry: discovery, versions, download, CLI configuration, cache."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from modsource_fixtures import (
    MAIN_TF,
    Server,
    make_repo,
    serve,
    settings_for,
    tar_gz,
    zip_bytes,
)
from natpolicy.loaders.modsource import Origin, Resolved, Unresolved, parse_source, resolve
from natpolicy.loaders.modsource.cliconfig import CliConfig
from natpolicy.loaders.modsource.fetchers import FetchRefused, refuse_local_from_remote
from natpolicy.loaders.modsource.secret import Secret


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve()


def _package(version: str, extra: dict[str, str] | None = None) -> bytes:
    return tar_gz({"main.tf": MAIN_TF + f"# version {version}\n", **(extra or {})})


def _publish(server: Server, address: str = "acme/vpc/aws", versions: tuple[str, ...] = ("5.0.0", "5.1.0", "6.0.0"),
             **kw: bool) -> None:
    server.module(address, {v: _package(v) for v in versions}, **kw)


def _version_in(result: Resolved | Unresolved) -> str:
    assert isinstance(result, Resolved), getattr(result, "message", result)
    return (result.directory / "main.tf").read_text().splitlines()[-1]


def test_newest_matching_version_is_downloaded(server: Server, tmp_path: Path) -> None:
    _publish(server)
    result = resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=settings_for(tmp_path), module="vpc")
    assert _version_in(result) == "# version 5.1.0"
    assert isinstance(result, Resolved) and (result.version, result.origin) == ("5.1.0", Origin.REGISTRY)
    paths = [seen.path for seen in server.requests]
    assert paths[:3] == ["/.well-known/terraform.json", "/v1/modules/acme/vpc/aws/versions",
                         "/v1/modules/acme/vpc/aws/5.1.0/download"]
    assert (tmp_path / "cache") in result.directory.parents


def test_second_run_needs_no_network(server: Server, tmp_path: Path) -> None:
    _publish(server)
    settings = settings_for(tmp_path)
    first = resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=settings)
    server.stop()
    second = resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=settings)
    assert isinstance(first, Resolved) and isinstance(second, Resolved)
    assert (second.directory, second.version, second.origin) == (first.directory, "5.1.0", Origin.CACHE)
    assert second.notes == ()
    pinned = resolve(f"{server.host}/acme/vpc/aws", "5.1.0", settings=settings_for(tmp_path, version_list_ttl=0))
    assert isinstance(pinned, Resolved) and pinned.origin is Origin.CACHE  # an exact version needs no list


def test_offline_run_uses_the_cache_and_says_what_it_could_not_get(server: Server, tmp_path: Path) -> None:
    _publish(server)
    assert isinstance(resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=settings_for(tmp_path)), Resolved)
    server.stop()
    stale = settings_for(tmp_path, version_list_ttl=0)
    again = resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=stale)
    assert isinstance(again, Resolved) and again.origin is Origin.CACHE
    assert len(again.notes) == 1 and "could not be asked" in again.notes[0] and "cached" in again.notes[0]
    offline = settings_for(tmp_path, version_list_ttl=0, online=False)
    cached = resolve(f"{server.host}/acme/vpc/aws", "~> 5.0", settings=offline)
    assert isinstance(cached, Resolved) and "downloads are off" in cached.notes[0]
    missing = resolve(f"{server.host}/acme/vpc/aws", "~> 6.0", settings=offline, module="vpc")
    assert isinstance(missing, Unresolved)
    assert missing.message.startswith(f"module.vpc ({server.host}/acme/vpc/aws) was not resolved: ")
    assert "not in the cache and downloads are off" in missing.reason


def test_offline_without_cache(tmp_path: Path) -> None:
    result = resolve("acme/vpc/aws", "~> 5.0", settings=settings_for(tmp_path, online=False), module="vpc")
    assert isinstance(result, Unresolved) and "no version list" in result.reason


@pytest.mark.parametrize("shape", ["absolute", "dot-relative", "dotdot-relative", "root-relative"])
def test_x_terraform_get_relative_or_absolute(server: Server, tmp_path: Path, shape: str) -> None:
    _publish(server, versions=("1.0.0",))
    path = "/files/acme-vpc-aws-1.0.0.tar.gz"
    server.locations["acme/vpc/aws/1.0.0"] = {
        "absolute": f"{server.base}{path}",
        "root-relative": path,
        # relative to /v1/modules/acme/vpc/aws/1.0.0/download
        "dot-relative": "./pkg.tar.gz",
        "dotdot-relative": "../../../../../../files/acme-vpc-aws-1.0.0.tar.gz",
    }[shape]
    server.files["/v1/modules/acme/vpc/aws/1.0.0/pkg.tar.gz"] = server.files[path]
    assert _version_in(resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path))) == \
        "# version 1.0.0"


def test_absolute_service_url_and_subdirectories(server: Server, tmp_path: Path) -> None:
    server.discovery = {"modules.v1": f"{server.base}/v1/modules"}  # absolute, without its trailing slash
    archive = tar_gz({"modules/nat/main.tf": MAIN_TF, "modules/nat/inner/x.tf": "# inner\n", "main.tf": ""})
    server.versions["acme/vpc/aws"] = ["1.0.0"]
    server.files["/files/p.tar.gz"] = archive
    server.locations["acme/vpc/aws/1.0.0"] = "/files/p.tar.gz//modules/nat"
    result = resolve(f"{server.host}/acme/vpc/aws//inner", None, settings=settings_for(tmp_path))
    assert isinstance(result, Resolved), result
    assert result.directory == result.package_dir / "modules" / "nat" / "inner"
    assert (result.directory / "x.tf").is_file()


def test_location_may_be_a_git_source(server: Server, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"main.tf": MAIN_TF + "# from git\n"})
    server.versions["acme/vpc/aws"] = ["2.0.0"]
    server.locations["acme/vpc/aws/2.0.0"] = f"git::file://{repo}?ref=main"
    result = resolve(f"{server.host}/acme/vpc/aws", "2.0.0", settings=settings_for(tmp_path, allow_file_sources=True))
    assert _version_in(result) == "# from git"


def test_private_host_from_the_cli_configuration(server: Server, tmp_path: Path) -> None:
    """A host block replaces discovery; the host's token goes to its registry API and nowhere else."""
    _publish(server, versions=("3.2.1",))
    rc = tmp_path / "terraformrc"
    rc.write_text(f'''
host "registry.example.corp" {{
  services = {{
    "modules.v1" = "{server.base}/private/v1/"
  }}
}}
credentials "registry.example.corp" {{
  token = "corp-secret-token"
}}
''', encoding="utf-8")
    from natpolicy.loaders.modsource import load_cli_config

    config = load_cli_config({"TF_CLI_CONFIG_FILE": str(rc)})
    result = resolve("registry.example.corp/acme/vpc/aws", "~> 3.0", settings=settings_for(tmp_path, cli_config=config))
    assert _version_in(result) == "# version 3.2.1"
    by_path = {seen.path: seen.authorization for seen in server.requests}
    assert "/.well-known/terraform.json" not in by_path
    assert by_path["/private/v1/acme/vpc/aws/versions"] == "Bearer corp-secret-token"
    assert by_path["/private/v1/acme/vpc/aws/3.2.1/download"] == "Bearer corp-secret-token"
    # The package lies on another host (127.0.0.1, not registry.example.corp): no token there.
    assert by_path["/files/acme-vpc-aws-3.2.1.tar.gz"] is None


def test_token_goes_to_its_host_only(server: Server, tmp_path: Path) -> None:
    other = Server()
    other.start()
    try:
        other.files["/files/p.tar.gz"] = _package("9.9.9")
        server.versions["acme/vpc/aws"] = ["9.9.9"]
        server.locations["acme/vpc/aws/9.9.9"] = f"{other.base}/files/p.tar.gz"
        config = CliConfig(file_tokens={server.host: Secret("loopback-token")})
        result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path, cli_config=config))
        assert _version_in(result) == "# version 9.9.9"
        assert {s.authorization for s in server.requests} == {"Bearer loopback-token"}
        assert [s.authorization for s in other.requests] == [None]
    finally:
        other.stop()


def test_token_is_not_forwarded_on_redirect(server: Server, tmp_path: Path) -> None:
    _publish(server, versions=("1.0.0",))
    server.redirects["/.well-known/terraform.json"] = f"{server.base}/moved/terraform.json"
    server.files["/moved/terraform.json"] = b'{"modules.v1": "/v1/modules/"}'
    server.headers["/moved/terraform.json"] = {"Content-Type": "application/json"}
    config = CliConfig(file_tokens={server.host: Secret("tok")})
    assert isinstance(resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path, cli_config=config)),
                      Resolved)
    moved = [s for s in server.requests if s.path == "/moved/terraform.json"]
    assert moved and moved[0].authorization is None


def test_token_never_appears_in_failures(server: Server, tmp_path: Path) -> None:
    secret = "never-show-this-token"
    config = CliConfig(file_tokens={server.host: Secret(secret)}, env_tokens={"registry.terraform.io": Secret(secret)})
    settings = settings_for(tmp_path, cli_config=config)
    failures = [
        resolve(f"{server.host}/acme/missing/aws", "~> 1.0", settings=settings, module="m"),  # 404
        resolve(f"{server.host}/acme/vpc/aws", ">= x", settings=settings, module="m"),  # bad constraint
    ]
    server.versions["acme/vpc/aws"] = ["1.0.0"]
    failures.append(resolve(f"{server.host}/acme/vpc/aws", "~> 2.0", settings=settings, module="m"))  # no match
    server.locations["acme/vpc/aws/1.0.0"] = "/files/missing.tar.gz"
    failures.append(resolve(f"{server.host}/acme/vpc/aws", "1.0.0", settings=settings, module="m"))
    for failure in failures:
        assert isinstance(failure, Unresolved)
        shown = f"{failure!r} {failure.message} {settings!r} {settings.cli_config!r}"
        assert secret not in shown
        assert "\n" not in failure.message
    assert "HTTP 404" in failures[0].reason
    assert "no version of" in failures[2].reason and "1.0.0" in failures[2].reason


def test_https_is_required_except_for_loopback(server: Server, tmp_path: Path) -> None:
    config = CliConfig(services={"registry.example.corp": {"modules.v1": "http://registry.example.corp/v1/"}})
    result = resolve("registry.example.corp/acme/vpc/aws", None, settings=settings_for(tmp_path, cli_config=config))
    assert isinstance(result, Unresolved) and "HTTPS is required" in result.reason
    _publish(server, versions=("1.0.0",))
    server.locations["acme/vpc/aws/1.0.0"] = "http://example.com/p.tar.gz"
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "HTTPS is required" in result.reason
    server.redirects["/files/r.zip"] = "http://example.com/r.zip"
    result = resolve(f"{server.base}/files/r.zip", None, settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "redirect refused" in result.reason


def test_a_remote_registry_may_not_send_the_fetch_to_this_machine() -> None:
    remote = "https://registry.example.com/v1/modules/acme/vpc/aws/1.0.0/download"
    for inner in ("git::file:///etc/repo", "http://127.0.0.1:9/p.zip", "git::http://localhost/x.git"):
        with pytest.raises(FetchRefused, match="on this machine"):
            refuse_local_from_remote(remote, parse_source(inner))
    refuse_local_from_remote("http://127.0.0.1:8080/v1/download", parse_source("http://127.0.0.1:9/p.zip"))
    refuse_local_from_remote(remote, parse_source("https://example.com/p.zip"))


def test_responses_are_size_capped(server: Server, tmp_path: Path) -> None:
    server.versions["acme/vpc/aws"] = [f"1.0.{i}" for i in range(2000)]
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path, max_response_bytes=1000))
    assert isinstance(result, Unresolved) and "larger than the limit of 1000 bytes" in result.reason


def test_requests_time_out(tmp_path: Path) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    try:
        port = silent.getsockname()[1]
        result = resolve(f"127.0.0.1:{port}/acme/vpc/aws", None, settings=settings_for(tmp_path, timeout=0.5))
        assert isinstance(result, Unresolved) and "timed out" in result.reason
    finally:
        silent.close()


def test_prerelease_only_when_named(server: Server, tmp_path: Path) -> None:
    _publish(server, versions=("1.0.0", "2.0.0-rc1"))
    assert _version_in(resolve(f"{server.host}/acme/vpc/aws", ">= 1.0", settings=settings_for(tmp_path))) == \
        "# version 1.0.0"
    assert _version_in(resolve(f"{server.host}/acme/vpc/aws", "2.0.0-rc1", settings=settings_for(tmp_path))) == \
        "# version 2.0.0-rc1"


def test_version_constraint_on_a_non_registry_source(tmp_path: Path) -> None:
    result = resolve("git::https://example.com/x.git", "1.0.0", settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "only to registry modules" in result.reason


def test_unsupported_getters_are_unresolved_with_a_reason(tmp_path: Path) -> None:
    result = resolve("s3::https://s3.amazonaws.com/b/vpc.zip", None, settings=settings_for(tmp_path), module="vpc")
    assert isinstance(result, Unresolved)
    assert result.message == ("module.vpc (s3::https://s3.amazonaws.com/b/vpc.zip) was not resolved: the s3:: getter "
                              "is not supported; only registry, git and HTTP(S) module sources are fetched")


def test_http_archives_and_indirection(server: Server, tmp_path: Path) -> None:
    server.files["/files/m.zip"] = zip_bytes({"sub/main.tf": MAIN_TF})
    server.files["/files/get-me"] = _package("7.0.0")
    server.files["/files/landing"] = b""
    server.headers["/files/landing"] = {"X-Terraform-Get": "./get-me?archive=tar.gz"}
    settings = settings_for(tmp_path)
    zipped = resolve(f"{server.base}/files/m.zip//sub", None, settings=settings)
    assert isinstance(zipped, Resolved) and (zipped.directory / "main.tf").is_file()
    assert zipped.origin is Origin.HTTP
    assert _version_in(resolve(f"{server.base}/files/get-me?archive=tar.gz", None, settings=settings)) == \
        "# version 7.0.0"
    assert _version_in(resolve(f"{server.base}/files/landing", None, settings=settings)) == "# version 7.0.0"
    server.stop()
    again = resolve(f"{server.base}/files/m.zip//sub", None, settings=settings)
    assert isinstance(again, Resolved) and again.origin is Origin.CACHE


def test_download_location_in_a_json_body(server: Server, tmp_path: Path) -> None:
    _publish(server, versions=("4.0.0",))
    server.locations.pop("acme/vpc/aws/4.0.0")
    server.files["/v1/modules/acme/vpc/aws/4.0.0/download"] = b'{"location": "/files/acme-vpc-aws-4.0.0.tar.gz"}'
    assert _version_in(resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path))) == \
        "# version 4.0.0"


def test_discovery_must_be_json_and_404_means_no_services(server: Server, tmp_path: Path) -> None:
    server.files["/.well-known/terraform.json"] = b'{"modules.v1": "/v1/modules/"}'
    server.headers["/.well-known/terraform.json"] = {"Content-Type": "text/html"}
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "Content-Type 'text/html'" in result.reason
    server.redirects["/.well-known/terraform.json"] = "/missing"
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path))
    assert isinstance(result, Unresolved) and "does not provide a module registry" in result.reason


def test_relative_service_in_a_host_block(server: Server, tmp_path: Path) -> None:
    _publish(server, versions=("1.2.3",))
    config = CliConfig(services={server.host: {"modules.v1": "/private/v1/"}})
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path, cli_config=config))
    assert _version_in(result) == "# version 1.2.3"
    assert not any(seen.path.startswith("/.well-known") for seen in server.requests)


def test_host_without_a_module_registry(server: Server, tmp_path: Path) -> None:
    server.discovery = {"providers.v1": "/v1/providers/"}
    result = resolve(f"{server.host}/acme/vpc/aws", None, settings=settings_for(tmp_path), module="vpc")
    assert isinstance(result, Unresolved) and "does not provide a module registry" in result.reason


def test_passwords_in_urls_are_hidden_in_reasons(tmp_path: Path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: the connection is refused at once
    for source in (f"git::https://user:hunter2@127.0.0.1:{port}/x.git", f"http://user:hunter2@127.0.0.1:{port}/m.zip"):
        result = resolve(source, None, settings=settings_for(tmp_path, git_timeout=20.0))
        assert isinstance(result, Unresolved)
        assert "hunter2" not in result.message and "user:***@" in result.message


def test_local_sources_need_the_calling_folder(tmp_path: Path) -> None:
    assert isinstance(resolve("./x", None, settings=settings_for(tmp_path)), Unresolved)
    (tmp_path / "x").mkdir()
    local = resolve("./x", None, settings=settings_for(tmp_path), base_dir=tmp_path)
    assert isinstance(local, Resolved) and local.origin is Origin.LOCAL and local.directory == tmp_path / "x"
