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

import functools
import re
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


def _trigger_search(text: str) -> re.Match[str] | None:
    """The trigger's ``search``, compiled on the first call, which then puts the compiled ``search`` here.

    Compiling the trigger costs about 11 M instructions (``re``'s compiler is Python); a run that
    prints no finding and no error (most hook runs) never searches. After the first call the name is
    the pattern's own ``search`` (no wrapper per call: a 10k plan's run searches thousands of texts).
    """
    global _trigger_search
    search = re.compile(_TRIGGER_PATTERN).search
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
