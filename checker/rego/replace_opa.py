"""OPA's ``strings.replace_n``, in Python, for regorus (``add_extension`` replaces its own).

OPA (topdown/strings.go) sorts the pattern object's keys and hands the pairs to
Go's ``strings.NewReplacer``, which makes one pass over the text: at each
place the first pattern in that order that starts there is replaced, and the
text a replacement wrote is never read again. regorus replaces one pattern
after another over the whole text (measured): ``{"a": "b", "b": "c"}`` on
``"ab"`` is ``"cc"`` there, ``"bc"`` in OPA; ``{"a": "1", "ca": "2"}`` on
``"ca"`` is ``"c1"`` there, ``"2"`` in OPA.
"""
from __future__ import annotations

from typing import Any

__all__ = ["opa_replace_n"]


def opa_replace_n(patterns: Any, text: Any) -> str:
    """``strings.replace_n(patterns, text)`` as OPA answers it."""
    if not isinstance(patterns, dict) or not isinstance(text, str):
        raise TypeError("strings.replace_n: operand 1 must be an object and operand 2 a string")
    if not all(isinstance(key, str) for key in patterns):
        raise TypeError("strings.replace_n: operand 1 non-string key found in pattern object")
    if not all(isinstance(value, str) for value in patterns.values()):
        raise TypeError("strings.replace_n: operand 1 non-string value found in pattern object")
    if "" in patterns and not text.isascii():
        # Go matches an empty pattern between bytes, inside a character's UTF-8 bytes too: text Python cannot hold.
        raise ValueError("strings.replace_n with an empty pattern on non-ASCII text: OPA inserts the replacement "
                         "between the bytes of each character; natpolicy refuses it")
    pairs = sorted(patterns.items())
    return _one_pass(pairs, text)


def _one_pass(pairs: list[tuple[str, str]], text: str) -> str:
    """Go's genericReplacer: the first pair (in order) whose old text starts at each place; after an empty
    match at a place, the empty pattern is not tried there again (so `""` inserts once between characters)."""
    out: list[str] = []
    last = index = 0
    after_empty = False
    while index <= len(text):
        found = next(((old, new) for old, new in pairs
                      if not (after_empty and old == "") and text.startswith(old, index)), None)
        after_empty = found is not None and found[0] == ""
        if found is None:
            index += 1
            continue
        out += [text[last:index], found[1]]
        index += len(found[0])
        last = index
    out.append(text[last:])
    return "".join(out)

