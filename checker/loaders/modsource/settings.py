"""How the resolver may fetch: network on or off, limits, the cache folder, the CLI configuration."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from natpolicy.loaders.modsource.cliconfig import CliConfig, load_cli_config

__all__ = ["Settings", "default_cache_dir"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    online: bool = True  # False: the cache and nothing else
    cache_dir: Path | None = None  # None: default_cache_dir()
    cli_config: CliConfig = field(default_factory=CliConfig)  # load_cli_config() for the user's own
    timeout: float = 30.0  # seconds: each HTTP connect and read, and the whole of a registry answer
    download_seconds: float = 300.0  # the whole of one archive download
    git_timeout: float = 300.0  # seconds, for each git command
    max_response_bytes: int = 4 * MiB  # discovery, version lists, download answers
    max_download_bytes: int = 200 * MiB  # one archive as downloaded
    max_extracted_bytes: int = 500 * MiB  # all files of one archive once extracted
    max_files: int = 20_000  # members of one archive
    version_list_ttl: float = 600.0  # seconds a registry's version list is reused without asking again
    # file:// git sources read the local disk; a hostile source should not pick
    # what is read there, so only a user who keeps local mirrors turns this on.
    allow_file_sources: bool = False
    git: str = "git"
    # For HOME/PATH/XDG_CACHE_HOME; None: os.environ. Not in repr: it may hold TF_TOKEN_ variables.
    env: Mapping[str, str] | None = field(default=None, repr=False)

    @classmethod
    def for_user(cls, *, online: bool = True, env: Mapping[str, str] | None = None, **changes: object) -> Settings:
        """Settings as Terraform would see them here: the user's CLI configuration and TF_TOKEN_ variables."""
        environ = os.environ if env is None else env
        return cls(online=online, env=env, cli_config=load_cli_config(environ), **changes)  # type: ignore[arg-type]

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env

    def cache_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir(self.environ)


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/natpolicy/modules``, else ``~/.cache/natpolicy/modules`` (a relative XDG path is ignored).

    ``NATPOLICY_CACHE_DIR`` (which also moves the HCL parse cache) puts it in
    that folder's ``modules``: one variable keeps a CI job's caches together.
    """
    explicit = env.get("NATPOLICY_CACHE_DIR", "")
    if explicit and os.path.isabs(explicit):
        return Path(explicit) / "modules"
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "natpolicy" / "modules"
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".cache" / "natpolicy" / "modules"
