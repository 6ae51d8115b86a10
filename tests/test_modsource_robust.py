"""No input makes the API raise: any source string and constraint gives a ModuleSource and a one-line result.

Inputs are generated from a seeded ``random.Random`` (not hypothesis, which
would cache data under ``.hypothesis/`` in the checkout): pieces of real
addresses glued at random reach far deeper branches than plain random text.
"""
from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from modsource_fixtures import settings_for
from natpolicy.loaders.modsource import Resolved, Unresolved, parse_source, resolve

PIECES = ["git::", "s3::", "hg::", "https://", "http://", "ssh://", "file://", "git@", "github.com/", "bitbucket.org/",
          "127.0.0.1:80", "[::1", "]:x", "example.com", "/", "//", "./", "../", "..", "?ref=", "&depth=", "archive=",
          "zip", ".tar.gz", "aws", "acme", "vpc", ":", "@", "%", "\n", " ", "例え", "-", "v1.0.0", "\0", "\\", "xn--"]
CHARS = string.printable + "\0\x7fé例\u202e\ufeff"
CONSTRAINT_PIECES = ["~>", ">=", "=", "!=", "<", "1.0", "2", "-rc1", "+b", ",", " ", "x", "v", "\n"]


def _address(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return "".join(rng.choice(CHARS) for _ in range(rng.randrange(0, 40)))
    return "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 10)))


def _constraint(rng: random.Random) -> str | None:
    if rng.random() < 0.2:
        return None
    return "".join(rng.choice(CONSTRAINT_PIECES) for _ in range(rng.randrange(0, 6)))


@pytest.mark.parametrize("seed", range(4))
def test_parse_source_never_raises(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        raw = _address(rng)
        source = parse_source(raw)
        assert "\n" not in source.reason, raw


@pytest.mark.parametrize("seed", range(2))
def test_resolve_offline_never_raises(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    # Offline, so that no generated address ever reaches the network.
    settings = settings_for(tmp_path, online=False, allow_file_sources=True)
    for _ in range(150):
        raw, constraint = _address(rng), _constraint(rng)
        result = resolve(raw, constraint, settings=settings, module="m", base_dir=tmp_path)
        assert isinstance(result, (Resolved, Unresolved)), (raw, constraint)
        if isinstance(result, Unresolved):
            assert "\n" not in result.message, (raw, constraint)
