"""No input makes the API raise: any source string and constraint gives a ModuleSource and a one-line result."""
from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modsource_fixtures import settings_for
from natpolicy.modsource import Resolved, Unresolved, parse_source, resolve

# Pieces of real addresses, glued at random: far likelier to reach deep branches than plain text.
PIECES = st.sampled_from(["git::", "s3::", "hg::", "https://", "http://", "ssh://", "file://", "git@", "github.com/",
                          "bitbucket.org/", "127.0.0.1:80", "[::1", "]:x", "example.com", "/", "//", "./", "../",
                          "..", "?ref=", "&depth=", "archive=", "zip", ".tar.gz", "aws", "acme", "vpc", ":", "@",
                          "%", "\n", " ", "例え", "-", "v1.0.0"])
# Characters from a fixed list, not st.text(): hypothesis would cache Unicode tables in the checkout.
CHARS = st.sampled_from(list(string.printable) + ["\0", "\x7f", "é", "例", "\u202e", "\ufeff"])
TEXT = st.lists(CHARS, max_size=60).map("".join)
ADDRESSES = st.one_of(TEXT, st.lists(PIECES, max_size=10).map("".join))
CONSTRAINTS = st.one_of(st.none(), TEXT,
                        st.lists(st.sampled_from(["~>", ">=", "=", "!=", "1.0", "2", "-rc1", ",", " ", "x"]),
                                 max_size=6).map("".join))


@settings(database=None)  # no example database written into the checkout
@given(ADDRESSES)
def test_parse_source_never_raises(raw: str) -> None:
    source = parse_source(raw)
    if source.reason:
        assert "\n" not in source.reason


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None)
@given(raw=ADDRESSES, constraint=CONSTRAINTS)
def test_resolve_offline_never_raises(tmp_path: Path, raw: str, constraint: str | None) -> None:
    # Offline, so that no generated address ever reaches the network.
    result = resolve(raw, constraint, settings=settings_for(tmp_path, online=False, allow_file_sources=True),
                     module="m", base_dir=tmp_path)
    assert isinstance(result, (Resolved, Unresolved))
    if isinstance(result, Unresolved):
        assert "\n" not in result.message
