"""Last-resort redaction of credential-shaped text in everything natpolicy prints.

A second line of defence, not the fix: plan values marked sensitive are
hidden by the runner's scrubber, and the loaders refuse to read secrets. This
catches what slips through anyway -- a user's Rego rule that prints an
environment variable, an HCL ``file()`` of a token -- by its shape:

- AWS access key ids: ``AKIA``/``ASIA`` and 16 upper-case letters or digits;
- GitHub tokens: ``ghp_``, ``gho_``, ``ghu_``, ``ghs_``, ``ghr_`` and 36 or
  more letters or digits; fine-grained ``github_pat_…``;
- Terraform Cloud tokens: ``….atlasv1.…``;
- PEM private keys: ``-----BEGIN … PRIVATE KEY-----`` up to its END line;

each also written backwards (``strings.reverse`` defeats GitHub's log masking)
and base64-encoded. The shapes are anchored on their literal prefixes and
bounded by letter/digit boundaries, so an ordinary resource address, id or
ARN never matches. Everything is linear in the text's length.

Imports nothing of natpolicy's but its word trie.
"""
from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # re's matcher (no stub): see _compile_trigger
import functools
import re
import sys
from collections.abc import Iterator

from natpolicy.wordtrie import trie_pattern

__all__ = ["REDACTED", "may_hold_credential", "redact", "redact_value"]

REDACTED = "(redacted: looks like a credential)"

_SHAPES_PATTERN = (
    r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}(?![A-Za-z0-9_])"
    r"|(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{30,}"
    # The part before ".atlasv1." is found by walking back (see _spans): a
    # leading [A-Za-z0-9]+ in the pattern would backtrack over long runs.
    r"|\.atlasv1\.[A-Za-z0-9_\-]{20,}"
    r"|-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----"
    r"(?:[A-Za-z0-9+/=\s\\:,\-]{0,65536}?-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)"
)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_LITERALS = ("AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", ".atlasv1.", "PRIVATE KEY-----")


def _base64_cores(literal: bytes) -> list[str]:
    """What ``literal`` always looks like in base64, at each of the three byte alignments."""
    import base64  # here and in _base64_spans only: a run whose texts hold no base64 core skips its import (3 M)

    cores = []
    for offset in range(3):
        low = base64.b64encode(b"\x00" * offset + literal + b"\x00\x00").decode()
        high = base64.b64encode(b"\xff" * offset + literal + b"\xff\xff").decode()
        # A character is fixed by the literal alone when the padding bytes do not change it.
        same = "".join(a if a == b else "\0" for a, b in zip(low, high, strict=True))
        cores.append(max(same.split("\0"), key=len))
    return cores


_FORWARD_AND_BACK = [*_LITERALS, *(word[::-1] for word in _LITERALS)]


@functools.cache
def _cores() -> list[str]:
    """What the literals always look like in base64, forwards and backwards, longest first (then in order)."""
    return sorted({core for word in _FORWARD_AND_BACK for core in _base64_cores(word.encode())},
                  key=lambda core: (-len(core), core))


def _trigger_words() -> list[str]:
    return [*_FORWARD_AND_BACK, "-----BEGIN", *_cores()]


# The trigger words' characters, rarest first in natpolicy's own findings (the messages, addresses and
# details of a 10k plan's 684 findings: "A" never occurs, " " most often). Only speed depends on it.
_RARE_FIRST = "AFGJKLMQTUVWXYZzINj-BERPHkx945Sh13m2bfgydviuw0.nltcrpsa_o "


def _anchored_pattern(words: list[str]) -> str:
    """A pattern that finds a match in a text exactly when the text holds one of ``words`` (maybe elsewhere).

    ``re`` skips a position with one bitmap test when its character cannot start a match, and a
    match attempt costs tens of times that. Started at their first characters (a trie of the words),
    the trigger words begin with letters frequent in any message ("d", "g", "n", "t", "u"), and every
    fourth position or so is tried (about half of the redaction's cost in a 10k plan's run). Here each
    word is matched from its rarest character (:data:`_RARE_FIRST`): ``c(?<=before c)after``. A text
    holds the word exactly when that character occurs with the word's part before it just behind it
    (the lookbehind) and its part after it just ahead, so a search finds a match exactly when the trie
    would find one; where, and which word, may differ. Callers only ask whether there is one.
    """
    rank = {char: i for i, char in enumerate(_RARE_FIRST)}
    by_anchor: dict[str, list[str]] = {}
    for word in dict.fromkeys(words):
        at = min(range(len(word)), key=lambda i: (rank.get(word[i], len(rank)), i))
        before = word[:at + 1]
        lookbehind = f"(?<={re.escape(before)})" if len(before) > 1 else ""
        by_anchor.setdefault(word[at], []).append(lookbehind + re.escape(word[at + 1:]))
    return "|".join(f"{re.escape(anchor)}(?:{'|'.join(rests)})" for anchor, rests in sorted(by_anchor.items()))


# Anything that could start a redaction (most text has none of these and is returned as is): what
# _anchored_pattern(_trigger_words()) makes, written out, because building it took about 3.5 M
# instructions at every start (tests/test_redaction_search.py holds the two equal).
_TRIGGER_PATTERN = (
    '1(?:(?<=\\.atlasv1)\\.|(?<=\\.1)vsalta\\.|(?<=dob1)|(?<=doc1))|A(?:KIA|SIA'
    '|(?<=PRIVA)TE\\ KEY\\-\\-\\-\\-\\-|IKA|ISA|(?<=\\-\\-\\-\\-\\-YEK\\ ETA)VIRP)|B(?:S0lB|(?<=naHB)f)'
    '|F(?:(?<=QUklWQVRF)IEtFWS0tLS0t|(?<=UF)JJVkFURSBLRVktLS0tL|(?<=tLS0tLVlF)SyBFVEFWSVJQ'
    '|(?<=X3RhcF)9idWh0aW|(?<=Z2l0aHViX3BhdF)|(?<=fdGF)wX2J1aHRpZ|(?<=naXRodWJfcGF)0X'
    '|(?<=LjF)2c2FsdGEu|(?<=LmF)0bGFzdjEu|JS0|JU0|LSU|TSU|(?<=docF))|G(?:(?<=\\-\\-\\-\\-\\-BEG)IN'
    '|(?<=90YXBfYnVodG)ln|(?<=dpdG)h1Yl9wYXRf|(?<=5hdG)xhc3YxL|(?<=fcG)hn|(?<=naG)9f|(?<=91aG)'
    '|(?<=9vaG)|(?<=9waG)|(?<=9yaG)|(?<=9zaG))|J(?:(?<=0tLS0tWUVLIEVUQVZJ)Ul|(?<=QUtJ)Q'
    '|(?<=QVNJ)Q|(?<=X3J)oZ|(?<=naHJ)f)|L(?:S0tLS1ZRUsgRVRBVklSU|(?<=BSSVZBVEUgS0VZL)S0tLS'
    '|(?<=4xdnNhbHRhL)|(?<=QUlL)Q)|M(?:(?<=uM)XZzYWx0YS|(?<=uYXRsYXN2M)S)|N(?:(?<=naHN)f)'
    '|Q(?:UlTQ)|U(?:(?<=BSU)tB|(?<=BU)0lB)|V(?:(?<=BSV)NB|(?<=X3V)oZ|(?<=naHV)f|(?<=dodV))'
    '|W(?:(?<=fdW)hn)|X(?:29oZ|3BoZ|3NoZ|(?<=Z2h1X)|(?<=Z2hvX)|(?<=Z2hwX)|(?<=Z2hyX)'
    '|(?<=Z2hzX))|d(?:ocl)|h(?:(?<=gh)p_|(?<=gh)o_|(?<=gh)u_|(?<=gh)s_|(?<=gh)r_'
    '|(?<=gith)ub_pat_|(?<=_ph)g|(?<=_oh)g|(?<=_uh)g|(?<=_sh)g|(?<=_rh)g|(?<=_tap_buh)tig'
    '|(?<=fb2h)n|(?<=fc2h)n|(?<=fcmh)n)'
)


# The trigger's program for ``re``'s matcher (``_sre``), as ``re.compile(_TRIGGER_PATTERN)`` makes it on
# CPython 3.11: compiling the pattern costs about 11 M instructions (``re``'s parser and compiler are
# Python), handing ``_sre`` the finished program about 0.1 M. The program is only valid for the matcher
# it was made for, so it is used only there (:data:`_TRIGGER_PROGRAM_FOR`); anywhere else the pattern
# is compiled as before. tests/test_redaction_search.py holds the program equal to the compiler's and
# the pattern object it makes equal to ``re.compile``'s (``re.Pattern`` equality compares the programs).
_TRIGGER_PROGRAM_FOR = ((3, 11), 20220615)  # (Python version, _sre.MAGIC)
_TRIGGER_PROGRAM = (
    14, 14, 4, 1, 21, 9, 0, 131072, 31618246, 272, 0, 0, 0, 0, 0, 7, 87, 16, 49, 7, 25, 4, 19, 8, 16, 46, 16, 97,
    16, 116, 16, 108, 16, 97, 16, 115, 16, 118, 16, 49, 1, 16, 46, 15, 57, 25, 4, 7, 2, 16, 46, 16, 49, 1, 16, 118,
    16, 115, 16, 97, 16, 108, 16, 116, 16, 97, 16, 46, 15, 32, 15, 4, 11, 4, 16, 100, 16, 111, 16, 98, 16, 49, 1,
    15, 17, 15, 4, 11, 4, 16, 100, 16, 111, 16, 99, 16, 49, 1, 15, 2, 0, 15, 1704, 121, 16, 65, 7, 9, 16, 75, 16,
    73, 16, 65, 15, 107, 9, 16, 83, 16, 73, 16, 65, 15, 98, 39, 4, 13, 5, 16, 80, 16, 82, 16, 73, 16, 86, 16, 65, 1,
    16, 84, 16, 69, 16, 32, 16, 75, 16, 69, 16, 89, 16, 45, 16, 45, 16, 45, 16, 45, 16, 45, 15, 59, 9, 16, 73, 16,
    75, 16, 65, 15, 50, 9, 16, 73, 16, 83, 16, 65, 15, 41, 39, 4, 27, 12, 16, 45, 16, 45, 16, 45, 16, 45, 16, 45,
    16, 89, 16, 69, 16, 75, 16, 32, 16, 69, 16, 84, 16, 65, 1, 16, 86, 16, 73, 16, 82, 16, 80, 15, 2, 0, 15, 1583,
    35, 16, 66, 7, 11, 16, 83, 16, 48, 16, 108, 16, 66, 15, 19, 17, 4, 11, 4, 16, 110, 16, 97, 16, 72, 16, 66, 1,
    16, 102, 15, 2, 0, 15, 1548, 407, 16, 70, 7, 49, 4, 21, 9, 16, 81, 16, 85, 16, 107, 16, 108, 16, 87, 16, 81, 16,
    86, 16, 82, 16, 70, 1, 16, 73, 16, 69, 16, 116, 16, 70, 16, 87, 16, 83, 16, 48, 16, 116, 16, 76, 16, 83, 16, 48,
    16, 116, 15, 353, 49, 4, 7, 2, 16, 85, 16, 70, 1, 16, 74, 16, 74, 16, 86, 16, 107, 16, 70, 16, 85, 16, 82, 16,
    83, 16, 66, 16, 76, 16, 82, 16, 86, 16, 107, 16, 116, 16, 76, 16, 83, 16, 48, 16, 116, 16, 76, 15, 304, 49, 4,
    21, 9, 16, 116, 16, 76, 16, 83, 16, 48, 16, 116, 16, 76, 16, 86, 16, 108, 16, 70, 1, 16, 83, 16, 121, 16, 66,
    16, 70, 16, 86, 16, 69, 16, 70, 16, 87, 16, 83, 16, 86, 16, 74, 16, 81, 15, 255, 35, 4, 15, 6, 16, 88, 16, 51,
    16, 82, 16, 104, 16, 99, 16, 70, 1, 16, 57, 16, 105, 16, 100, 16, 87, 16, 104, 16, 48, 16, 97, 16, 87, 15, 220,
    35, 4, 31, 14, 16, 90, 16, 50, 16, 108, 16, 48, 16, 97, 16, 72, 16, 86, 16, 105, 16, 88, 16, 51, 16, 66, 16,
    104, 16, 100, 16, 70, 1, 15, 185, 35, 4, 11, 4, 16, 102, 16, 100, 16, 71, 16, 70, 1, 16, 119, 16, 88, 16, 50,
    16, 74, 16, 49, 16, 97, 16, 72, 16, 82, 16, 112, 16, 90, 15, 150, 35, 4, 27, 12, 16, 110, 16, 97, 16, 88, 16,
    82, 16, 111, 16, 100, 16, 87, 16, 74, 16, 102, 16, 99, 16, 71, 16, 70, 1, 16, 48, 16, 88, 15, 115, 31, 4, 9, 3,
    16, 76, 16, 106, 16, 70, 1, 16, 50, 16, 99, 16, 50, 16, 70, 16, 115, 16, 100, 16, 71, 16, 69, 16, 117, 15, 84,
    31, 4, 9, 3, 16, 76, 16, 109, 16, 70, 1, 16, 48, 16, 98, 16, 71, 16, 70, 16, 122, 16, 100, 16, 106, 16, 69, 16,
    117, 15, 53, 9, 16, 74, 16, 83, 16, 48, 15, 44, 9, 16, 74, 16, 85, 16, 48, 15, 35, 9, 16, 76, 16, 83, 16, 85,
    15, 26, 9, 16, 84, 16, 83, 16, 85, 15, 17, 15, 4, 11, 4, 16, 100, 16, 111, 16, 99, 16, 70, 1, 15, 2, 0, 15,
    1141, 242, 16, 71, 7, 27, 4, 19, 8, 16, 45, 16, 45, 16, 45, 16, 45, 16, 45, 16, 66, 16, 69, 16, 71, 1, 16, 73,
    16, 78, 15, 210, 35, 4, 27, 12, 16, 57, 16, 48, 16, 89, 16, 88, 16, 66, 16, 102, 16, 89, 16, 110, 16, 86, 16,
    111, 16, 100, 16, 71, 1, 16, 108, 16, 110, 15, 175, 35, 4, 11, 4, 16, 100, 16, 112, 16, 100, 16, 71, 1, 16, 104,
    16, 49, 16, 89, 16, 108, 16, 57, 16, 119, 16, 89, 16, 88, 16, 82, 16, 102, 15, 140, 29, 4, 11, 4, 16, 53, 16,
    104, 16, 100, 16, 71, 1, 16, 120, 16, 104, 16, 99, 16, 51, 16, 89, 16, 120, 16, 76, 15, 111, 17, 4, 9, 3, 16,
    102, 16, 99, 16, 71, 1, 16, 104, 16, 110, 15, 94, 17, 4, 9, 3, 16, 110, 16, 97, 16, 71, 1, 16, 57, 16, 102, 15,
    77, 15, 4, 11, 4, 16, 57, 16, 49, 16, 97, 16, 71, 1, 15, 62, 15, 4, 11, 4, 16, 57, 16, 118, 16, 97, 16, 71, 1,
    15, 47, 15, 4, 11, 4, 16, 57, 16, 119, 16, 97, 16, 71, 1, 15, 32, 15, 4, 11, 4, 16, 57, 16, 121, 16, 97, 16, 71,
    1, 15, 17, 15, 4, 11, 4, 16, 57, 16, 122, 16, 97, 16, 71, 1, 15, 2, 0, 15, 899, 122, 16, 74, 7, 47, 4, 39, 18,
    16, 48, 16, 116, 16, 76, 16, 83, 16, 48, 16, 116, 16, 87, 16, 85, 16, 86, 16, 76, 16, 73, 16, 69, 16, 86, 16,
    85, 16, 81, 16, 86, 16, 90, 16, 74, 1, 16, 85, 16, 108, 15, 70, 17, 4, 11, 4, 16, 81, 16, 85, 16, 116, 16, 74,
    1, 16, 81, 15, 53, 17, 4, 11, 4, 16, 81, 16, 86, 16, 78, 16, 74, 1, 16, 81, 15, 36, 17, 4, 9, 3, 16, 88, 16, 51,
    16, 74, 1, 16, 111, 16, 90, 15, 19, 17, 4, 11, 4, 16, 110, 16, 97, 16, 72, 16, 74, 1, 16, 102, 15, 2, 0, 15,
    777, 143, 16, 76, 7, 43, 16, 83, 16, 48, 16, 116, 16, 76, 16, 83, 16, 49, 16, 90, 16, 82, 16, 85, 16, 115, 16,
    103, 16, 82, 16, 86, 16, 82, 16, 66, 16, 86, 16, 107, 16, 108, 16, 83, 16, 85, 15, 95, 47, 4, 33, 15, 16, 66,
    16, 83, 16, 83, 16, 86, 16, 90, 16, 66, 16, 86, 16, 69, 16, 85, 16, 103, 16, 83, 16, 48, 16, 86, 16, 90, 16, 76,
    1, 16, 83, 16, 48, 16, 116, 16, 76, 16, 83, 15, 48, 29, 4, 25, 11, 16, 52, 16, 120, 16, 100, 16, 110, 16, 78,
    16, 104, 16, 98, 16, 72, 16, 82, 16, 104, 16, 76, 1, 15, 19, 17, 4, 11, 4, 16, 81, 16, 85, 16, 108, 16, 76, 1,
    16, 81, 15, 2, 0, 15, 634, 65, 16, 77, 7, 29, 4, 7, 2, 16, 117, 16, 77, 1, 16, 88, 16, 90, 16, 122, 16, 89, 16,
    87, 16, 120, 16, 48, 16, 89, 16, 83, 15, 31, 29, 4, 23, 10, 16, 117, 16, 89, 16, 88, 16, 82, 16, 115, 16, 89,
    16, 88, 16, 78, 16, 50, 16, 77, 1, 16, 83, 15, 2, 0, 15, 569, 19, 16, 78, 4, 11, 4, 16, 110, 16, 97, 16, 72, 16,
    78, 1, 16, 102, 15, 550, 13, 16, 81, 16, 85, 16, 108, 16, 84, 16, 81, 15, 537, 41, 16, 85, 7, 17, 4, 9, 3, 16,
    66, 16, 83, 16, 85, 1, 16, 116, 16, 66, 15, 19, 17, 4, 7, 2, 16, 66, 16, 85, 1, 16, 48, 16, 108, 16, 66, 15, 2,
    0, 15, 496, 73, 16, 86, 7, 17, 4, 9, 3, 16, 66, 16, 83, 16, 86, 1, 16, 78, 16, 66, 15, 51, 17, 4, 9, 3, 16, 88,
    16, 51, 16, 86, 1, 16, 111, 16, 90, 15, 34, 17, 4, 11, 4, 16, 110, 16, 97, 16, 72, 16, 86, 1, 16, 102, 15, 17,
    15, 4, 11, 4, 16, 100, 16, 111, 16, 100, 16, 86, 1, 15, 2, 0, 15, 423, 19, 16, 87, 4, 9, 3, 16, 102, 16, 100,
    16, 87, 1, 16, 104, 16, 110, 15, 404, 125, 16, 88, 7, 11, 16, 50, 16, 57, 16, 111, 16, 90, 15, 109, 11, 16, 51,
    16, 66, 16, 111, 16, 90, 15, 98, 11, 16, 51, 16, 78, 16, 111, 16, 90, 15, 87, 17, 4, 13, 5, 16, 90, 16, 50, 16,
    104, 16, 49, 16, 88, 1, 15, 70, 17, 4, 13, 5, 16, 90, 16, 50, 16, 104, 16, 118, 16, 88, 1, 15, 53, 17, 4, 13, 5,
    16, 90, 16, 50, 16, 104, 16, 119, 16, 88, 1, 15, 36, 17, 4, 13, 5, 16, 90, 16, 50, 16, 104, 16, 121, 16, 88, 1,
    15, 19, 17, 4, 13, 5, 16, 90, 16, 50, 16, 104, 16, 122, 16, 88, 1, 15, 2, 0, 15, 279, 11, 16, 100, 16, 111, 16,
    99, 16, 108, 15, 268, 266, 16, 104, 7, 15, 4, 7, 2, 16, 103, 16, 104, 1, 16, 112, 16, 95, 15, 246, 15, 4, 7, 2,
    16, 103, 16, 104, 1, 16, 111, 16, 95, 15, 231, 15, 4, 7, 2, 16, 103, 16, 104, 1, 16, 117, 16, 95, 15, 216, 15,
    4, 7, 2, 16, 103, 16, 104, 1, 16, 115, 16, 95, 15, 201, 15, 4, 7, 2, 16, 103, 16, 104, 1, 16, 114, 16, 95, 15,
    186, 29, 4, 11, 4, 16, 103, 16, 105, 16, 116, 16, 104, 1, 16, 117, 16, 98, 16, 95, 16, 112, 16, 97, 16, 116, 16,
    95, 15, 157, 15, 4, 9, 3, 16, 95, 16, 112, 16, 104, 1, 16, 103, 15, 142, 15, 4, 9, 3, 16, 95, 16, 111, 16, 104,
    1, 16, 103, 15, 127, 15, 4, 9, 3, 16, 95, 16, 117, 16, 104, 1, 16, 103, 15, 112, 15, 4, 9, 3, 16, 95, 16, 115,
    16, 104, 1, 16, 103, 15, 97, 15, 4, 9, 3, 16, 95, 16, 114, 16, 104, 1, 16, 103, 15, 82, 29, 4, 19, 8, 16, 95,
    16, 116, 16, 97, 16, 112, 16, 95, 16, 98, 16, 117, 16, 104, 1, 16, 116, 16, 105, 16, 103, 15, 53, 17, 4, 11, 4,
    16, 102, 16, 98, 16, 50, 16, 104, 1, 16, 110, 15, 36, 17, 4, 11, 4, 16, 102, 16, 99, 16, 50, 16, 104, 1, 16,
    110, 15, 19, 17, 4, 11, 4, 16, 102, 16, 99, 16, 109, 16, 104, 1, 16, 110, 15, 2, 0, 15, 2, 0, 1
)


def _compile_trigger() -> re.Pattern[str]:
    if (sys.version_info[:2], _sre.MAGIC) == _TRIGGER_PROGRAM_FOR:
        # What re._compiler.compile passes: the flags (re.UNICODE, a str pattern's), no groups but the match.
        return _sre.compile(_TRIGGER_PATTERN, re.UNICODE, list(_TRIGGER_PROGRAM), 0, {}, (None,))
    return re.compile(_TRIGGER_PATTERN)


def _trigger_search(text: str) -> re.Match[str] | None:
    """The trigger's ``search``, compiled on the first call, which then puts the compiled ``search`` here.

    A run that prints no finding and no error (most hook runs) never searches. After the first call
    the name is the pattern's own ``search`` (no wrapper per call: a 10k plan's run searches thousands
    of texts).
    """
    global _trigger_search
    search = _compile_trigger().search
    _trigger_search = search  # type: ignore[assignment]
    return search(text)


@functools.cache
def _shapes() -> re.Pattern[str]:
    """The credential shapes, compiled on first use: only text that pulls the trigger needs them.

    Most runs print nothing credential-like, and this and :func:`_base64_core`
    take about 1.4 ms to compile, more than the rest of this module's import.
    """
    return re.compile(_SHAPES_PATTERN)


@functools.cache
def _base64_core() -> re.Pattern[str]:
    return re.compile(trie_pattern(_cores()))


def may_hold_credential(text: str) -> bool:
    """A quick test: ``False`` means :func:`redact` would return ``text`` unchanged."""
    return _trigger_search(text) is not None


def redact(text: str) -> str:
    """``text`` with every credential-shaped part replaced by :data:`REDACTED`."""
    if _trigger_search(text) is None:
        return text
    n = len(text)
    spans = list(_spans(text))
    spans += [(n - end, n - start) for start, end in _spans(text[::-1])]
    spans += list(_base64_spans(text))
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:  # overlaps the part just redacted: widen it
            pos = max(pos, end)
            continue
        out += [text[pos:start], REDACTED]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_value(value: object) -> object:
    """Strings inside dicts, lists and tuples redacted (keys too); anything else as is."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


def _spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _shapes().finditer(text):
        start = match.start()
        if match.group(0).startswith(".atlasv1."):
            while start > 0 and text[start - 1] in _TOKEN_CHARS:
                start -= 1
            if start == match.start():
                continue  # ".atlasv1." with no token id before it: a mention, not a token
        yield start, match.end()


def _base64_spans(text: str) -> Iterator[tuple[int, int]]:
    """Base64 runs that decode (at some alignment) to a credential shape, forwards or backwards."""
    for run_match in re.finditer(r"[A-Za-z0-9+/]{8,}", text):  # re's own cache keeps it compiled
        run = run_match.group(0)
        if _base64_core().search(run) is None:
            continue
        import base64
        import binascii

        end = run_match.end()
        while end < len(text) and text[end] == "=" and end - run_match.end() < 2:
            end += 1
        for align in range(4):
            chunk = run[align:]
            rest = len(chunk) % 4  # the run's end may be the text's padding ("=") or cut short
            chunk = chunk[:-1] if rest == 1 else chunk + "=" * (-rest % 4)
            try:
                decoded = base64.b64decode(chunk).decode("latin-1")
            except (binascii.Error, ValueError):
                continue
            if next(_spans(decoded), None) is not None or next(_spans(decoded[::-1]), None) is not None:
                yield run_match.start(), end
                break
