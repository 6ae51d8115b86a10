"""Credentials in a module URL (`http://user:pw@host/...`) never reach DNS or the request line.

urllib takes `user:pw@host` for the host name and would ask the resolver for it, password
included. natpolicy strips the userinfo and sends it as Basic credentials to that host only.
"""
from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from modsource_fixtures import Server, serve
from natpolicy.loaders.modsource.web import fetch


@pytest.fixture
def server() -> Iterator[Server]:
    yield from serve()


def test_userinfo_becomes_basic_credentials(server: Server) -> None:
    server.files["/files/m.zip"] = b"zip"
    url = f"http://us%40er:p%3Ass@{server.host}/files/m.zip"
    answer = fetch(url, timeout=10, max_bytes=100)
    assert answer.body == b"zip"
    [seen] = server.requests
    assert seen.path == "/files/m.zip"
    assert seen.authorization == "Basic " + base64.b64encode(b"us@er:p:ss").decode()


def test_a_plain_url_sends_no_credentials(server: Server) -> None:
    server.files["/files/m.zip"] = b"zip"
    assert fetch(f"{server.base}/files/m.zip", timeout=10, max_bytes=100).body == b"zip"
    assert [seen.authorization for seen in server.requests] == [None]
