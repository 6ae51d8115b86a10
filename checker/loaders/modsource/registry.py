"""The module registry protocol: service discovery, the versions list, the download location.

- ``GET https://HOST/.well-known/terraform.json`` -> ``{"modules.v1": URL}``,
  relative to the discovery document or absolute; a CLI configuration
  ``host`` block replaces discovery for its host;
- ``GET <modules.v1><ns>/<name>/<provider>/versions``;
- ``GET <modules.v1><ns>/<name>/<provider>/<version>/download`` -> the
  package address in ``X-Terraform-Get`` (or a JSON ``location``); a value
  starting with ``/``, ``./`` or ``../`` is relative to the download URL,
  as in Terraform's registry client.

The host's token goes with discovery and the API calls (they are that host's
own services, as in Terraform), never with the package download unless the
package is on that very host.
"""
from __future__ import annotations

import json
import urllib.parse
from typing import Any

from natpolicy.loaders.modsource.address import ModuleSource
from natpolicy.loaders.modsource.hosts import is_loopback
from natpolicy.loaders.modsource.settings import Settings
from natpolicy.loaders.modsource.web import FetchError, Response, fetch, url_host

__all__ = ["RegistryError", "download_location", "list_versions", "modules_service"]

_SERVICE = "modules.v1"
_DISCOVERY_LIMIT = 1024 * 1024  # Terraform reads at most 1 MiB of discovery document


class RegistryError(Exception):
    """The registry could not answer; one line, no secrets."""


def modules_service(host: str, settings: Settings) -> str:
    """The ``modules.v1`` base URL of ``host``, ending in ``/``."""
    # Loopback registries (local mirrors, tests) may speak plain HTTP; the rest must be HTTPS.
    scheme = "http" if is_loopback(host) else "https"
    discovery_url = f"{scheme}://{host}/.well-known/terraform.json"
    override = settings.cli_config.service_override(host, _SERVICE)
    if override is not None:
        # As Terraform's ForceHostServices: relative to where discovery would have been.
        return _with_slash(urllib.parse.urljoin(discovery_url, override))
    try:
        answer = fetch(discovery_url, timeout=settings.timeout, max_bytes=_DISCOVERY_LIMIT,
                       token=settings.cli_config.token_for(host), token_host=host)
    except FetchError as exc:
        if exc.status == 404:  # Terraform: a host without services, not an error of its own
            raise RegistryError(f"{host} does not provide a module registry (no discovery document)") from None
        raise RegistryError(str(exc)) from None
    media_type = (answer.headers.get_content_type() if answer.headers.get("Content-Type") else "")
    if media_type != "application/json":
        raise RegistryError(f"{host} service discovery answered Content-Type {media_type or 'none'!r}, "
                            "not application/json")
    document = _json(answer, f"{host} service discovery")
    service = document.get(_SERVICE) if isinstance(document, dict) else None
    if not isinstance(service, str) or not service:
        raise RegistryError(f"{host} does not provide a module registry ({_SERVICE} is not in its discovery document)")
    return _with_slash(urllib.parse.urljoin(answer.url, service))


def list_versions(source: ModuleSource, settings: Settings, service: str | None = None) -> list[str]:
    """The versions the registry lists; ``service``: the ``modules.v1`` URL when already discovered."""
    base = service or modules_service(source.host, settings)
    url = urllib.parse.urljoin(base, _module_path(source) + "/versions")
    document = _json(_get(url, source.host, settings, settings.max_response_bytes), f"{source.package} versions")
    modules = document.get("modules") if isinstance(document, dict) else None
    if not isinstance(modules, list) or not modules or not isinstance(modules[0], dict):
        raise RegistryError(f"{source.package}: the registry's versions answer has no modules")
    versions = modules[0].get("versions")
    out = [v["version"] for v in versions if isinstance(v, dict) and isinstance(v.get("version"), str)] \
        if isinstance(versions, list) else []
    return out


def download_location(source: ModuleSource, version: str, settings: Settings,
                      service: str | None = None) -> tuple[str, str]:
    """Where the package of ``version`` is (a go-getter address, absolute), and the URL that said so."""
    base = service or modules_service(source.host, settings)
    url = urllib.parse.urljoin(base, f"{_module_path(source)}/{urllib.parse.quote(version, safe='')}/download")
    answer = _get(url, source.host, settings, settings.max_response_bytes)
    location = answer.headers.get("X-Terraform-Get", "") or ""
    if not location and answer.status == 200 and answer.body:
        # Terraform reads only the header; some registries (behind proxies that drop
        # headers) also answer {"location": …}, which is used when the header is missing.
        try:
            body = json.loads(answer.body)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("location"), str):
            location = body["location"]
    if not location:
        raise RegistryError(f"{source.package} {version}: the registry gave no download location")
    if location.startswith(("/", "./", "../")):
        location = urllib.parse.urljoin(url, location)  # Terraform: relative to the download URL it asked
    return location, answer.url


def _module_path(source: ModuleSource) -> str:
    return "/".join(urllib.parse.quote(p, safe="") for p in (source.namespace, source.name, source.provider))


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _get(url: str, host: str, settings: Settings, limit: int) -> Response:
    token = settings.cli_config.token_for(host)
    try:
        return fetch(url, timeout=settings.timeout, max_bytes=limit, token=token, token_host=url_host(url))
    except FetchError as exc:
        raise RegistryError(str(exc)) from None


def _json(answer: Response, what: str) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        raise RegistryError(f"{what}: the answer is not JSON") from None
