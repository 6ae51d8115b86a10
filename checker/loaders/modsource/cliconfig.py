"""The Terraform CLI configuration, read where Terraform reads it: service overrides and tokens.

- the file is ``$TF_CLI_CONFIG_FILE`` when set, else ``~/.terraformrc``
  (``terraform.rc`` on Windows is out of scope); ``terraform login`` also
  writes tokens to ``~/.terraform.d/credentials.tfrc.json``;
- ``host "NAME" { services = { "modules.v1" = "URL" } }`` replaces service
  discovery for that host;
- ``credentials "NAME" { token = "…" }`` and ``TF_TOKEN_<host>`` give a
  bearer token for that host; as in Terraform, the variable wins.

Only literal strings are read: the file is data, never evaluated.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from natpolicy.loaders.modsource.hclvalues import labelled_blocks, literal_string
from natpolicy.loaders.modsource.hosts import HostError, normalize_host, token_variable_host
from natpolicy.loaders.modsource.secret import Secret

__all__ = ["CliConfig", "cli_config_path", "load_cli_config"]

_TOKEN_PREFIX = "TF_TOKEN_"
_MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True)
class CliConfig:
    services: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # host -> service id -> URL
    file_tokens: Mapping[str, Secret] = field(default_factory=dict)
    env_tokens: Mapping[str, Secret] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: Path | None = None

    def token_for(self, host: str) -> Secret | None:
        """The bearer token for ``host`` (comparison form): the ``TF_TOKEN_`` variable first, as Terraform does."""
        return self.env_tokens.get(host) or self.file_tokens.get(host)

    def service_override(self, host: str, service: str) -> str | None:
        return self.services.get(host, {}).get(service)


def cli_config_path(env: Mapping[str, str]) -> Path | None:
    explicit = env.get("TF_CLI_CONFIG_FILE")
    if explicit:
        return Path(explicit).expanduser()
    home = env.get("HOME")
    return Path(home) / ".terraformrc" if home else None


def load_cli_config(env: Mapping[str, str] | None = None) -> CliConfig:
    """Everything Terraform's CLI configuration says about module hosts; problems become notes."""
    env = os.environ if env is None else env
    notes: list[str] = []
    services: dict[str, dict[str, str]] = {}
    file_tokens: dict[str, Secret] = {}
    path = cli_config_path(env)
    if path is not None and path.is_file():
        document = _read(path, notes)
        if document is not None:
            _collect(document, services, file_tokens, notes, str(path))
    home = env.get("HOME")
    if home:
        credentials_file = Path(home) / ".terraform.d" / "credentials.tfrc.json"
        if credentials_file.is_file():
            document = _read(credentials_file, notes)
            if document is not None:
                stored: dict[str, Secret] = {}
                _collect(document, {}, stored, notes, str(credentials_file))
                for host, token in stored.items():
                    file_tokens.setdefault(host, token)  # the CLI configuration file wins over `terraform login`
    env_tokens: dict[str, Secret] = {}
    for name, value in env.items():
        if name.startswith(_TOKEN_PREFIX) and value:
            token_host = token_variable_host(name[len(_TOKEN_PREFIX):])
            if token_host is not None:
                env_tokens[token_host] = Secret(value)
    return CliConfig(services=services, file_tokens=file_tokens, env_tokens=env_tokens, notes=tuple(notes), path=path)


def _read(path: Path, notes: list[str]) -> dict[str, Any] | None:
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            notes.append(f"{path}: larger than 1 MiB; ignored")
            return None
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            document = json.loads(text)
        else:
            import hcl2  # python-hcl2; imported here so plan-only runs never load lark

            document = hcl2.loads(text)
    except Exception as exc:  # noqa: BLE001 - hcl2 raises lark's many error types
        # The parser's message may quote the file, tokens included: say only where it failed.
        notes.append(f"{path}: not a valid CLI configuration ({type(exc).__name__}); ignored")
        return None
    return document if isinstance(document, dict) else None


def _collect(document: dict[str, Any], services: dict[str, dict[str, str]], tokens: dict[str, Secret],
             notes: list[str], where: str) -> None:
    for label, body in labelled_blocks(document.get("host")):
        host = _host(label, notes, where)
        raw_services = body.get("services") if isinstance(body, dict) else None
        if host is None or not isinstance(raw_services, dict):
            continue
        for service, url in raw_services.items():
            name, value = literal_string(service), literal_string(url)
            if name is not None and value is not None:
                services.setdefault(host, {})[name] = value
    for label, body in labelled_blocks(document.get("credentials")):
        host = _host(label, notes, where)
        token = literal_string(body.get("token")) if isinstance(body, dict) else None
        if host is not None and token:
            tokens[host] = Secret(token)


def _host(label: str, notes: list[str], where: str) -> str | None:
    try:
        return normalize_host(label)
    except HostError:
        notes.append(f"{where}: {label!r} is not a valid hostname; its block is ignored")
        return None
