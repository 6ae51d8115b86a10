"""HTTP(S) GETs for the registry protocol and archives: HTTPS only, capped, timed, tokens kept to their host.

- plain ``http://`` only to loopback hosts (a local mirror, the tests); a
  redirect is held to the same rule;
- a bearer token is attached only when the request goes to the host it was
  given for, and as an "unredirected" header, so a redirect never carries it;
- every response is read up to a byte cap and a deadline; past either, the
  request fails rather than filling the disk or hanging the hook.

Errors are ``FetchError`` with one line that never quotes headers.
"""
from __future__ import annotations

import base64
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPMessage
from pathlib import Path
from typing import IO

from natpolicy.loaders.modsource.address import redact_userinfo
from natpolicy.loaders.modsource.hosts import HostError, is_loopback, normalize_host
from natpolicy.loaders.modsource.secret import Secret

__all__ = ["FetchError", "Response", "check_url", "fetch"]

_CHUNK = 64 * 1024
_MAX_REDIRECTS = 10


class FetchError(Exception):
    """A request that failed or was refused; ``str()`` is one line without secrets."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when the server answered with an error


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: Message
    body: bytes  # empty when streamed to a file


def url_host(url: str) -> str:
    """The host of ``url`` in comparison form ("" when it has none)."""
    netloc = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
    try:
        return normalize_host(netloc) if netloc else ""
    except HostError:
        return netloc.lower()


def check_url(url: str) -> None:
    """Refuse what may never be fetched: not HTTP(S), or plain HTTP to a host that is not loopback."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(f"{redact_userinfo(url)} is not an HTTP(S) URL")
    if scheme == "http" and not is_loopback(parts.netloc.rpartition("@")[2]):
        raise FetchError(f"{redact_userinfo(url)} uses plain HTTP; HTTPS is required except for loopback addresses")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = _MAX_REDIRECTS

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        try:
            check_url(newurl)
        except FetchError as exc:
            raise FetchError(f"redirect refused: {exc}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, timeout: float, max_bytes: int, token: Secret | None = None, token_host: str = "",
          dest: Path | None = None, total_seconds: float | None = None) -> Response:
    """GET ``url``; the body is returned, or written to ``dest`` when given. Raises FetchError.

    ``timeout`` bounds each connect and read; ``total_seconds`` (default: ``timeout``) the whole transfer.
    """
    check_url(url)
    shown = redact_userinfo(url)
    # urllib would take `user:pw@host` for the host name and ask DNS for it, credentials and all:
    # they go in a Basic header instead (as Go's net/http, hence Terraform, does), never onto the wire.
    bare, basic = _without_userinfo(url)
    request = urllib.request.Request(bare, headers={"User-Agent": "natpolicy-modsource"})
    if token is not None and token_host and url_host(url) == token_host:
        request.add_unredirected_header("Authorization", f"Bearer {token.reveal()}")
    elif basic:
        request.add_unredirected_header("Authorization", f"Basic {basic}")
    host = urllib.parse.urlsplit(url).netloc.rpartition("@")[2]
    # A proxy from the environment is for the outside world; loopback is asked directly.
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirects()]
    if is_loopback(host):
        handlers.append(urllib.request.ProxyHandler({}))
    opener = urllib.request.build_opener(*handlers)
    deadline = time.monotonic() + (total_seconds if total_seconds is not None else timeout)
    try:
        with opener.open(request, timeout=timeout) as answer:
            final = answer.geturl()
            status = answer.status
            headers = answer.headers
            length = headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{shown} is larger than the limit of {max_bytes} bytes")
            body = _read(answer, max_bytes, deadline, shown, dest)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{shown} answered HTTP {exc.code}", status=exc.code) from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, str) else type(exc.reason).__name__ + (
            f" ({exc.reason})" if str(exc.reason) else "")
        raise FetchError(f"{shown} could not be reached: {' '.join(str(reason).split())}") from None
    except (OSError, ValueError) as exc:  # timeouts, resets, malformed answers
        raise FetchError(f"{shown} failed: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    return Response(url=final, status=status, headers=headers, body=body)


def _without_userinfo(url: str) -> tuple[str, str]:
    """``url`` without ``user:password@``, and that userinfo as Basic credentials ("" when none)."""
    parts = urllib.parse.urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return url, ""
    user, _, password = userinfo.partition(":")
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
    return urllib.parse.urlunsplit(parts._replace(netloc=hostport)), base64.b64encode(pair).decode("ascii")


def _read(answer: IO[bytes], max_bytes: int, deadline: float, shown: str, dest: Path | None) -> bytes:
    chunks: list[bytes] = []
    total = 0
    out = dest.open("xb") if dest is not None else None
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"{shown} timed out")
            chunk = answer.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise FetchError(f"{shown} is larger than the limit of {max_bytes} bytes")
            if out is not None:
                out.write(chunk)
            else:
                chunks.append(chunk)
    finally:
        if out is not None:
            out.close()
    return b"".join(chunks)
