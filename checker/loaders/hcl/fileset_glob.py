"""``fileset`` patterns (Terraform's doublestar syntax), matched without backtracking.

``*`` any characters but ``/``, ``**`` (a whole segment) any number of
folders, ``?`` one character, ``[a-z]``/``[^a]`` a class, ``{a,b}``
alternatives, ``\\`` escapes. Matching is a table over (pattern position, text
position), so a pattern of many stars costs its length times the path's,
never an exponential search.
"""
from __future__ import annotations

from natpolicy.loaders.hcl.values import EvalError

__all__ = ["glob_match", "compile_glob"]

_MAX_ALTERNATIVES = 256

# One pattern element: ("lit", c), ("any",), ("one",), ("class", negated, ranges).
Element = tuple[object, ...]


def compile_glob(pattern: str) -> list[list[list[Element] | None]]:
    """Each alternative as segments; ``None`` is a ``**`` segment."""
    out = []
    for alternative in _expand_braces(pattern):
        out.append([None if seg == "**" else _segment(seg) for seg in alternative.split("/")])
    return out


def glob_match(compiled: list[list[list[Element] | None]], path: str) -> bool:
    names = path.split("/")
    return any(_match_segments(segments, names) for segments in compiled)


def _match_segments(segments: list[list[Element] | None], names: list[str]) -> bool:
    # can[i][j]: segments[i:] match names[j:]
    n, m = len(segments), len(names)
    can = [[False] * (m + 1) for _ in range(n + 1)]
    can[n][m] = True
    for i in range(n - 1, -1, -1):
        seg = segments[i]
        for j in range(m, -1, -1):
            if seg is None:
                can[i][j] = can[i + 1][j] or (j < m and can[i][j + 1])
            else:
                can[i][j] = j < m and can[i + 1][j + 1] and _match_name(seg, names[j])
    return can[0][0]


def _match_name(elements: list[Element], name: str) -> bool:
    # ok[k]: elements[:i] match name[:k], row by row.
    ok = [True] + [False] * len(name)
    for element in elements:
        new = [False] * (len(name) + 1)
        if element[0] == "any":
            seen = False
            for k in range(len(name) + 1):
                seen = seen or ok[k]
                new[k] = seen
        else:
            for k in range(1, len(name) + 1):
                new[k] = ok[k - 1] and _one(element, name[k - 1])
        ok = new
    return ok[len(name)]


def _one(element: Element, char: str) -> bool:
    kind = element[0]
    if kind == "one":
        return True
    if kind == "lit":
        return element[1] == char
    negated, ranges = element[1], element[2]
    inside = any(lo <= char <= hi for lo, hi in ranges)  # type: ignore[attr-defined]
    return inside != negated


def _segment(text: str) -> list[Element]:
    out: list[Element] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(("lit", text[i + 1]))
            i += 2
        elif c == "*":
            if not out or out[-1] != ("any",):
                out.append(("any",))
            i += 1
        elif c == "?":
            out.append(("one",))
            i += 1
        elif c == "[":
            end = text.find("]", i + 2)
            if end < 0:
                raise EvalError("fileset(): unclosed [ in the pattern")
            body = text[i + 1:end]
            negated = body[:1] in ("^", "!")
            body = body[1:] if negated else body
            ranges = []
            k = 0
            while k < len(body):
                if k + 2 < len(body) and body[k + 1] == "-":
                    ranges.append((body[k], body[k + 2]))
                    k += 3
                else:
                    ranges.append((body[k], body[k]))
                    k += 1
            out.append(("class", negated, tuple(ranges)))
            i = end + 1
        else:
            out.append(("lit", c))
            i += 1
    return out


def _expand_braces(pattern: str) -> list[str]:
    start = _find_unescaped(pattern, "{", 0)
    if start < 0:
        return [pattern]
    depth, i, cuts = 0, start, []
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        elif c == "," and depth == 1:
            cuts.append(i)
        i += 1
    else:
        raise EvalError("fileset(): unclosed { in the pattern")
    bounds = [start, *cuts, i]
    head, tail = pattern[:start], pattern[i + 1:]
    out: list[str] = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        for rest in _expand_braces(pattern[a + 1:b] + tail):
            out.append(head + rest)
            if len(out) > _MAX_ALTERNATIVES:
                raise EvalError(f"fileset(): the pattern has more than {_MAX_ALTERNATIVES} alternatives")
    return out


def _find_unescaped(text: str, char: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1
