"""The sensitive-value scrubber costs the text's length, not the number of secrets times the findings."""
from __future__ import annotations

from natpolicy.runner import _HIDDEN, _SecretIndex


class _CountingDict(dict):  # type: ignore[type-arg]
    lookups = 0

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        _CountingDict.lookups += 1
        return super().get(key, default)


def _lookups(index: _SecretIndex, text: str) -> int:
    index._heads = _CountingDict(index._heads)
    _CountingDict.lookups = 0
    index.sub(text)
    index.find(text)
    return _CountingDict.lookups


def test_lookups_do_not_grow_with_the_number_of_secrets() -> None:
    text = "aws_db_instance.main has password hunter2-secret and port 5432 " * 20
    few = _SecretIndex([f"secret-{i:06}" for i in range(10)] + ["hunter2-secret"])
    many = _SecretIndex([f"secret-{i:06}" for i in range(100_000)] + ["hunter2-secret"])
    assert few.sub(text) == many.sub(text) == text.replace("hunter2-secret", _HIDDEN)
    # At most one head lookup per position, twice (sub and find), whatever the number of secrets.
    assert _lookups(few, text) == _lookups(many, text) <= 2 * len(text)


def test_longest_secret_wins_and_matches_do_not_overlap() -> None:
    index = _SecretIndex(["abcd", "abcdef", "cdefgh"])
    assert index.sub("xxabcdefgh abcdX") == f"xx{_HIDDEN}gh {_HIDDEN}X"
    assert index.find("no secret here") is None and index.find("..abcd") == 2
    assert not _SecretIndex([])
