"""A module ``source`` string parsed the way Terraform parses it, into a typed ``ModuleSource``.

Terraform's order (``internal/addrs/module_source.go``): a ``./`` or ``../``
prefix makes a local path; otherwise an address that *parses* as a registry
address is one; everything else goes through go-getter's detectors
(``github.com/…``, ``git@host:…``, ``bitbucket.org/…``, S3, GCS) and forced
getters (``git::``, ``hg::``, ``s3::``…). Nothing here touches the network or
the file system.
"""
from __future__ import annotations

import posixpath
import re
import urllib.parse
from dataclasses import dataclass
from enum import Enum

from natpolicy.loaders.modsource.hosts import HostError, normalize_host

__all__ = ["ARCHIVE_FORMATS", "DEFAULT_REGISTRY", "ModuleSource", "SourceKind", "parse_remote", "parse_source"]

DEFAULT_REGISTRY = "registry.terraform.io"

# go-getter's decompressors as Terraform registers them (internal/getmodules);
# the single-file ones (bz2, gz, xz) cannot hold a module and are refused.
ARCHIVE_FORMATS = ("tar.bz2", "tar.tbz2", "tar.gz", "tgz", "tar.xz", "txz", "zip")
_SINGLE_FILE = ("bz2", "gz", "xz")

_LOCAL_PREFIXES = ("./", "../", ".\\", "..\\")
# terraform-registry-address: namespace and name share one rule, the target system another.
_REGISTRY_LABEL = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$")
_TARGET_SYSTEM = re.compile(r"^[0-9a-z]{1,64}$")
_VCS_HOSTS = ("github.com", "bitbucket.org")  # reserved: never registry hosts
_FORCED = re.compile(r"^([A-Za-z0-9]+)::(.+)$", re.DOTALL)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SCP_LIKE = re.compile(r"^(?:([^@]+)@)?([^:]+):/?(.+)$", re.DOTALL)
_GIT_SCHEMES = ("https", "http", "ssh", "git", "file")
# Terraform copies an absolute path (or file:// URL) like a package; on a pull
# request gate that path would be the runner's own disk, so it is never read.
_ABSOLUTE = "an absolute path or file:// URL names this machine's disk, which natpolicy does not read"


class SourceKind(Enum):
    LOCAL = "local"
    REGISTRY = "registry"
    GIT = "git"
    HTTP = "http"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class ModuleSource:
    """One parsed ``source``; which fields are set depends on ``kind``."""

    raw: str
    kind: SourceKind
    subdir: str = ""  # inside the package, cleaned, never absolute or above the package
    path: str = ""  # LOCAL: the cleaned relative path
    host: str = ""  # REGISTRY: normalized hostname (punycode, lower case, port kept)
    namespace: str = ""
    name: str = ""
    provider: str = ""
    url: str = ""  # GIT: what git clones (no ref/depth); HTTP: the URL without archive=
    ref: str = ""  # GIT
    depth: int | None = None  # GIT: ?depth=N
    archive: str = ""  # HTTP: an ARCHIVE_FORMATS entry, or "" when the URL must name the package itself
    reason: str = ""  # UNSUPPORTED: one line

    @property
    def package(self) -> str:
        """The package address without its subdirectory: what a cache entry is keyed by."""
        if self.kind is SourceKind.REGISTRY:
            # Names keep their case, as in Terraform: a registry may match them case-sensitively.
            return f"{self.host}/{self.namespace}/{self.name}/{self.provider}"
        if self.kind is SourceKind.GIT:
            return f"git::{self.url}" + (f"?ref={self.ref}" if self.ref else "")
        if self.kind is SourceKind.HTTP:
            return self.url + (f"#archive={self.archive}" if self.archive else "")
        if self.kind is SourceKind.LOCAL:
            return self.path
        return self.raw

    @property
    def display(self) -> str:
        """The source for messages: a password in a URL's user part is never shown."""
        return redact_userinfo(self.raw)

    def with_subdir(self, extra: str) -> ModuleSource:
        """This package with ``extra`` appended to its subdirectory (a registry source's ``//sub``)."""
        if not extra:
            return self
        joined = posixpath.join(self.subdir, extra) if self.subdir else extra
        return _replace(self, subdir=posixpath.normpath(joined))


def _replace(source: ModuleSource, **changes: object) -> ModuleSource:
    from dataclasses import replace
    return replace(source, **changes)  # type: ignore[arg-type]


def redact_userinfo(text: str) -> str:
    """``https://user:secret@host/x`` -> ``https://user:***@host/x``."""
    return re.sub(r"(://[^/@:\s]*):[^/@\s]*@", r"\1:***@", text)


def parse_source(raw: str) -> ModuleSource:
    """Classify ``raw`` as Terraform would; an invalid or unsupported address is an UNSUPPORTED source."""
    # `.` and `..` alone too: the module's own folder and its parent (Terraform's
    # prefixes are `./` and `../`, but natpolicy has always read these two as local).
    if raw.startswith(_LOCAL_PREFIXES) or raw in (".", ".."):
        return _local(raw)
    registry = _registry(raw)
    if registry is not None:
        return registry
    return parse_remote(raw)


def parse_remote(raw: str) -> ModuleSource:
    """A package address that is never a registry address: a registry's ``X-Terraform-Get`` value."""
    if any(c in raw for c in "\r\n\0"):
        return _unsupported(raw.replace("\n", " ").replace("\r", " "), "the address holds a line break or NUL")
    try:
        return _remote(raw)
    except ValueError as exc:  # urllib's refusals: a bad port, a broken IPv6 literal
        return _unsupported(raw, f"not a valid URL ({' '.join(str(exc).split())})")


def _unsupported(raw: str, reason: str) -> ModuleSource:
    return ModuleSource(raw=raw, kind=SourceKind.UNSUPPORTED, reason=reason)


def _local(raw: str) -> ModuleSource:
    cleaned = posixpath.normpath(raw.replace("\\", "/"))
    if not cleaned.startswith(("./", "../")) and cleaned not in (".", ".."):
        cleaned = "./" + cleaned
    return ModuleSource(raw=raw, kind=SourceKind.LOCAL, path=cleaned)


def split_subdir(src: str) -> tuple[str, str]:
    """go-getter's ``SourceDirSubdir``: ``a//b?q`` -> (``a?q``, ``b``); a scheme's ``//`` is not a subdir."""
    stop = src.find("?")
    stop = len(src) if stop < 0 else stop
    offset = src.find("://", 0, stop)
    offset = 0 if offset < 0 else offset + 3
    idx = src.find("//", offset, stop)
    if idx < 0:
        return src, ""
    subdir, src = src[idx + 2:], src[:idx]
    q = subdir.find("?")
    if q >= 0:
        src += subdir[q:]
        subdir = subdir[:q]
    return src, subdir


def clean_subdir(subdir: str) -> str:
    """Terraform's rule: relative, and never above the package. Raises ValueError."""
    if not subdir:
        return ""
    cleaned = posixpath.normpath(subdir)
    if posixpath.isabs(cleaned):
        raise ValueError(f"subdirectory {subdir!r} must be a relative path")
    if cleaned == ".." or cleaned.startswith("../"):
        raise ValueError(f"subdirectory {subdir!r} leads outside of the module package")
    return "" if cleaned == "." else cleaned


def _registry(raw: str) -> ModuleSource | None:
    """A registry address, or None (then Terraform tries the remote forms, never reporting why)."""
    if "::" in raw:
        return None
    address, subdir = split_subdir(raw)
    parts = address.split("/")
    if len(parts) not in (3, 4):
        return None
    host = DEFAULT_REGISTRY
    if len(parts) == 4:
        # terraform-registry-address: written in Unicode (never punycode), with at least one dot.
        if "xn--" in parts[0].lower():
            return None
        try:
            host = normalize_host(parts[0])
        except HostError:
            return None
        if host in _VCS_HOSTS or "." not in host:
            return None
        parts = parts[1:]
    namespace, name, provider = parts
    if not (_REGISTRY_LABEL.fullmatch(namespace) and _REGISTRY_LABEL.fullmatch(name)
            and _TARGET_SYSTEM.fullmatch(provider)):
        return None
    try:
        cleaned = clean_subdir(subdir)
    except ValueError:
        return None
    return ModuleSource(raw=raw, kind=SourceKind.REGISTRY, host=host, namespace=namespace, name=name,
                        provider=provider, subdir=cleaned)


def _remote(raw: str) -> ModuleSource:
    forced = ""
    rest = raw
    m = _FORCED.match(raw)
    if m:
        forced, rest = m.group(1).lower(), m.group(2)
    rest, subdir = split_subdir(rest)
    scheme_match = _SCHEME.match(rest)
    if scheme_match is None:
        detected = _detect(rest)
        if isinstance(detected, str):
            return _unsupported(raw, detected)
        detected_forced, rest, detected_subdir = detected
        forced = forced or detected_forced
        if detected_subdir:
            subdir = posixpath.join(detected_subdir, subdir) if subdir else detected_subdir
    try:
        subdir = clean_subdir(subdir)
    except ValueError as exc:
        return _unsupported(raw, str(exc))
    scheme = (_SCHEME.match(rest) or scheme_match)
    scheme_name = scheme.group(1).lower() if scheme else ""
    getter = forced or scheme_name
    if getter == "git":
        return _git(raw, rest, subdir)
    if getter in ("http", "https"):
        return _http(raw, rest, subdir)
    if getter == "file" or scheme_name == "file":
        return _unsupported(raw, _ABSOLUTE)
    if getter in ("s3", "gcs", "hg"):
        return _unsupported(raw, f"the {getter}:: getter is not supported; only registry, git and HTTP(S) "
                                 "module sources are fetched")
    return _unsupported(raw, f"no supported getter for this source ({getter or 'none'})")


def _detect(src: str) -> tuple[str, str, str] | str:
    """go-getter's detectors, in Terraform's order: (forced getter, URL, subdir) or why none applied."""
    for prefix in ("github.com/", "bitbucket.org/"):
        if src.startswith(prefix):
            # Bitbucket's detector asks Bitbucket's API whether the repository is git or
            # Mercurial; Bitbucket only hosts git now, so the answer is known without asking.
            path, _, query = src.partition("?")
            parts = path.split("/")
            if len(parts) < 3:
                return f"{prefix.rstrip('/')} sources look like {prefix}org/repo"
            repo = "/".join(parts[:3])
            url = "https://" + (repo if repo.endswith(".git") else repo + ".git")
            if query:
                url += "?" + query
            return "git", url, "/".join(parts[3:])
    m = _SCP_LIKE.match(src)
    if m and m.group(1) == "git":
        host, path = m.group(2), m.group(3)
        path, _, query = path.partition("?")
        url = f"ssh://git@{host}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(urllib.parse.parse_qsl(query, keep_blank_values=True), doseq=True)
        return "git", url, ""
    if src.startswith("/"):
        return _ABSOLUTE
    if "googleapis.com/" in src:
        return "the gcs:: getter is not supported; only registry, git and HTTP(S) module sources are fetched"
    if ".amazonaws.com/" in src:
        return "the s3:: getter is not supported; only registry, git and HTTP(S) module sources are fetched"
    return ("not a registry, git or HTTP address, and a local path must begin with ./ or ../ "
            "(Terraform cannot detect a module source type for it)")


def _git(raw: str, url: str, subdir: str) -> ModuleSource:
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if scheme not in _GIT_SCHEMES:
        return _unsupported(raw, f"git over {scheme or 'no scheme'}:// is not allowed (https, ssh, git or file only)")
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    ref, depth, rest = "", None, []
    for key, value in query:
        if key == "ref":
            ref = value
        elif key == "depth":
            # go-getter ignores a depth that is not a whole number.
            depth = int(value) if value.isdigit() and int(value) > 0 else None
        elif key == "sshkey":
            return _unsupported(raw, "an sshkey in the source address is not supported")
        else:
            rest.append((key, value))
    if ref.startswith("-"):
        return _unsupported(raw, f"git ref {ref!r} may not start with '-'")
    clean = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, urllib.parse.urlencode(rest), ""))
    return ModuleSource(raw=raw, kind=SourceKind.GIT, url=clean, ref=ref, depth=depth, subdir=subdir)


def _http(raw: str, url: str, subdir: str) -> ModuleSource:
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)
    archive = next((v for k, v in query if k == "archive"), "")
    rest = [(k, v) for k, v in query if k != "archive"]
    clean = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path, urllib.parse.urlencode(rest), ""))
    if not archive:
        # The longest matching suffix wins, as in go-getter (tar.gz before gz).
        matches = [f for f in (*ARCHIVE_FORMATS, *_SINGLE_FILE) if parsed.path.endswith("." + f)]
        archive = max(matches, key=len) if matches else ""
    if archive in _SINGLE_FILE or archive == "false":
        return _unsupported(raw, f"archive type {archive!r} holds a single file, not a module")
    if archive and archive not in ARCHIVE_FORMATS:
        return _unsupported(raw, f"unknown archive type {archive!r}")
    return ModuleSource(raw=raw, kind=SourceKind.HTTP, url=clean, archive=archive, subdir=subdir)
