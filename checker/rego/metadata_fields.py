"""What OPA v1 checks in a ``# METADATA`` block's decoded fields before it accepts the block.

``metadataParser.Parse`` (``v1/ast/parser.go``), once go-yaml has decoded the
block (``natpolicy.rego.metadata_yaml``): each ``related_resources`` entry
(``parseRelatedResource``: a non-empty URL, or a map with a ``ref`` URL, that
Go's ``net/url.Parse`` reads), each ``authors`` entry (``parseAuthor``: a
non-blank string, or a map with a ``name`` or ``email``), each ``schemas``
entry (``ParseRef`` of its path; a schema given as ``schema`` or a ref under
it, ``ParseSchemaRef``, or as a map), ``compile`` (``unknowns`` refs, a
``mask_rule`` term) and the keys of ``custom``, ``labels`` and the maps inside
them (``convertYAMLMapKeyTypes``: strings only).

A ref or term is read by a small grammar here, not by OPA's parser: a text it
cannot place is refused with a message saying natpolicy cannot tell.
"""
from __future__ import annotations

import re
from typing import Any

from natpolicy.rego.metadata_yaml import GeneralMap, MetadataProblem

__all__ = ["check_fields", "go_url_problem"]

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_INDEX = rf"""(?:\.{_IDENT}|\[\s*(?:"(?:[^"\\]|\\.)*"|-?\d+|{_IDENT})\s*\])"""
_REF = re.compile(rf"({_IDENT}){_INDEX}*")
_BARE = re.compile(rf"({_IDENT})")
_ROOTS = {"input", "data"}
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"  # unicode.IsSpace, what strings.TrimSpace and Fields cut
_CANNOT_TELL = "natpolicy cannot tell whether OPA's parser reads it"


def check_fields(fields: dict[str, Any]) -> None:
    """Raise MetadataProblem for the first field OPA's ``metadataParser.Parse`` refuses."""
    for entry in fields.get("related_resources") or []:
        _related_resource(entry)
    _compile(fields.get("compile"))
    for entry in fields.get("schemas") or []:
        _schema(entry)
    for entry in fields.get("authors") or []:
        _author(entry)
    for name in ("custom", "labels"):
        for value in (fields.get(name) or {}).values():
            _string_keys(value, name)


def _related_resource(entry: Any) -> None:
    _string_keys(entry, "related_resources")
    if isinstance(entry, str):
        if not entry:
            raise MetadataProblem("a related_resources entry is empty (OPA: ref URL may not be empty string)")
        _url(entry)
    elif isinstance(entry, dict):
        ref = _go_trim(entry["ref"]) if isinstance(entry.get("ref"), str) else ""
        if not ref:
            raise MetadataProblem("a related_resources map has no `ref` (OPA: 'ref' value required in object)")
        _url(ref)
    else:
        raise MetadataProblem("a related_resources entry is neither a string nor a map (OPA: invalid value type, "
                              "must be string or map)")


def _author(entry: Any) -> None:
    _string_keys(entry, "authors")
    if isinstance(entry, str):
        if not _go_trim(entry):
            raise MetadataProblem("an authors entry is blank (OPA: author is an empty string)")
    elif isinstance(entry, dict):
        if not any(isinstance(entry.get(k), str) and _go_trim(entry[k]) for k in ("name", "email")):
            raise MetadataProblem("an authors map has no `name` or `email` (OPA: 'name' and/or 'email' values "
                                  "required in object)")
    else:
        raise MetadataProblem("an authors entry is neither a string nor a map (OPA: invalid value type, must be "
                              "string or map)")


def _schema(entry: dict[str, Any] | None) -> None:
    """``unwrapPair`` takes one pair of the map, whichever Go's map order gives first."""
    pairs = list((entry or {"": None}).items())
    outcomes = {_schema_pair(path, value) for path, value in pairs}
    if len(outcomes) > 1:
        raise MetadataProblem("a schemas entry has several keys, and OPA reads one of them at random; some of "
                              "them it refuses")
    problem = outcomes.pop()
    if problem:
        raise MetadataProblem(problem)


def _schema_pair(path: str, value: Any) -> str:
    if not path.strip():
        return "a schemas entry has no path (OPA: invalid document reference)"
    where = f"the schema of `{_shown(path)}`"
    if _ref_kind(path) is None:
        return f"the schemas path `{_shown(path)}` is no simple ref; {_CANNOT_TELL} (OPA: invalid document reference)"
    if isinstance(value, str):
        head = _REF.fullmatch(value.strip())
        if _ref_kind(value) is None or head is None:
            return f"{where} is `{_shown(value)}`, no simple ref; {_CANNOT_TELL} (OPA: invalid schema reference)"
        if head[1] != "schema":
            return f"{where} is `{_shown(value)}`, which is no reference under `schema` (OPA: invalid schema reference)"
        return ""
    if isinstance(value, dict):
        try:
            _string_keys(value, "schemas")
        except MetadataProblem as exc:
            return str(exc)
        return ""
    return f"{where} is neither a reference nor a map (OPA: invalid schema declaration for path)"


def _compile(compile_: dict[str, Any] | None) -> None:
    if not compile_:
        return
    unknowns = compile_.get("unknowns")
    for unknown in unknowns if isinstance(unknowns, list) else []:
        if isinstance(unknown, str) and _ref_kind(unknown) is None:
            raise MetadataProblem(f"the compile unknown `{_shown(unknown)}` is no simple ref; {_CANNOT_TELL} "
                                  "(OPA: invalid unknowns element)")
    mask = compile_.get("mask_rule")
    if isinstance(mask, str) and not _BARE.fullmatch(mask.strip()) and _ref_kind(mask) is None \
            and not re.fullmatch(r'\s*"(?:[^"\\]|\\.)*"\s*', mask):
        raise MetadataProblem(f"the compile mask_rule `{_shown(mask)}` is no simple ref; {_CANNOT_TELL} "
                              "(OPA: invalid mask_rule annotation)")


def _ref_kind(text: str) -> str | None:
    """"ref" for a text OPA's ParseRef (or ParseSchemaRef, for `schema`) certainly reads as a ref, else None.

    A bare name other than a root document is left to OPA's parser: natpolicy cannot tell.
    """
    text = text.strip()
    if _REF.fullmatch(text) and (text in _ROOTS or text == "schema" or not _BARE.fullmatch(text)):
        return "ref"
    return None


def _string_keys(value: Any, field: str) -> None:
    """``convertYAMLMapKeyTypes``: every key of every map inside must be a string."""
    if isinstance(value, GeneralMap):
        if any(not isinstance(key, str) for key, _ in value):
            raise MetadataProblem(f"a map in `{field}` has a key that is no string (OPA: invalid map key type(s))")
        for _, item in value:
            _string_keys(item, field)
    elif isinstance(value, dict):
        for item in value.values():
            _string_keys(item, field)
    elif isinstance(value, list):
        for item in value:
            _string_keys(item, field)


def _shown(text: str) -> str:
    """A value of the block in a message: short, so a long one does not flood it."""
    return text if len(text) <= 40 else text[:37] + "..."


def _go_trim(text: str) -> str:
    return text.strip(_GO_SPACE)


def _url(text: str) -> None:
    problem = go_url_problem(text)
    if problem:
        raise MetadataProblem(f"a related_resources URL does not parse (OPA, Go's net/url: {problem})")


def go_url_problem(raw: str) -> str:
    """Why Go's ``net/url.Parse`` refuses ``raw``, or ""."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        return "invalid control character in URL"
    rest, _, fragment = raw.partition("#")
    if rest == "*":
        return _escapes(fragment, "fragment")
    scheme_match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)?:", rest)
    scheme = ""
    if rest.startswith(":"):
        return "missing protocol scheme"
    if scheme_match and scheme_match[1]:
        scheme, rest = scheme_match[1], rest[scheme_match.end():]
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return _escapes(fragment, "fragment")  # opaque: not unescaped
        if ":" in rest.partition("/")[0]:
            return "first path segment in URL cannot contain colon"
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        problem = _authority(authority)
        if problem:
            return problem
        rest = slash + path
    return _escapes(rest, "path") or _escapes(fragment, "fragment")


def _authority(authority: str) -> str:
    """``parseAuthority`` and ``parseHost``: userinfo, a bracketed host, the port, the host's characters."""
    userinfo, at, host = authority.rpartition("@")
    if at and re.search(r"[^A-Za-z0-9\-._~!$&'()*+,;=:%@]", userinfo):
        return "net/url: invalid userinfo"
    if at and _escapes(userinfo, "userinfo"):
        return _escapes(userinfo, "userinfo")
    if host.startswith("["):
        close = host.rfind("]")
        if close < 0:
            return "missing ']' in host"
        port = host[close + 1:]
        if "%25" in host[:close]:
            return _escapes(host, "zone")  # a zone's own rules: only its escapes are read here
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
    if port and not re.fullmatch(r":[0-9]*", port):
        return f'invalid port "{port}" after host'
    for i, c in enumerate(host):
        if c == "%":
            if not re.fullmatch(r"%[0-9A-Fa-f]{2}", host[i:i + 3]) or (host[i + 1] in "01234567"
                                                                     and host[i:i + 3] != "%25"):
                return f'invalid URL escape "{host[i:i + 3]}"'
        elif ord(c) < 0x80 and not (c.isalnum() or c in "-_.~!$&'()*+,;=:[]<>\""):
            return f'invalid character "{c}" in host name'
    return ""


def _escapes(text: str, _where: str) -> str:
    for m in re.finditer(r"%(.{0,2})", text, re.S):
        if not re.fullmatch(r"[0-9A-Fa-f]{2}", m[1]):
            return f'invalid URL escape "{m[0]}"'
    return ""

