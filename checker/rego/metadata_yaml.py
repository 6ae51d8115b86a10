"""A ``# METADATA`` block's YAML read as OPA v1 reads it: go-yaml v3 decoding into OPA's ``rawAnnotation``.

OPA v1 (``metadataParser.Parse`` in ``v1/ast/parser.go``) calls
``yaml.Unmarshal`` of ``go.yaml.in/yaml/v3`` (``gopkg.in/yaml.v3`` before
2026; the same decoder) straight into a struct of ``yaml:`` tagged fields; no
JSON step. So the reading here follows go-yaml v3, not PyYAML's YAML 1.1:

* only the first document is read (``unmarshal`` parses one node);
* a plain scalar is a bool only as ``true/True/TRUE/false/False/FALSE``, and
  null only as ``~``, ``null``, ``Null``, ``NULL`` or nothing
  (``resolve.go``); ``yes``, ``on``, ``y`` are strings;
* any scalar decodes into a string field as its text (``scope: 1`` is the
  scope ``"1"``); a bool field also takes ``y/yes/on/n/no/off`` in their
  three spellings, and refuses every other string (``"true"`` quoted too);
* a key twice in one mapping is an error, in every mapping decoded
  (``decoder.mapping``), but the value of a field OPA does not know is never
  decoded, so nothing inside it is checked;
* an explicit tag that does not fit the text (``!!int rule``) is an error,
  ``!!binary`` is base64-decoded, another tag (``!foo``) changes nothing;
* a ``%YAML`` directive other than ``%YAML 1.1`` is an error ("found
  incompatible YAML document", ``yaml_parser_process_directives``), where
  PyYAML takes any 1.x;
* a ``?`` inside a plain scalar in a flow collection, and a tag followed by
  ``,``, ``[`` or ``]``, scan otherwise (``yaml_scanner_gaps``).

PyYAML only composes the node graph here (its loader is never asked to
construct a Python object); tags are resolved by the rules above. Where
PyYAML's syntax or composition cannot tell what go-yaml does, the block is
refused with a message that says so: never silently let through.
"""
from __future__ import annotations

import base64
import binascii
import calendar
import math
import re
from typing import Any

import yaml

from natpolicy.records import record
from natpolicy.rego.yaml_scanner_gaps import scanner_gaps

__all__ = ["MetadataProblem", "GeneralMap", "Timestamp", "decode_annotation"]

_IMPLICIT = "?natpolicy-implicit"
_LONG = "tag:yaml.org,2002:"
_FIELDS = {"scope": "string", "title": "string", "entrypoint": "bool", "description": "string",
           "organizations": "[]string", "related_resources": "[]any", "authors": "[]any",
           "schemas": "[]map[string]any", "compile": "map[string]any", "custom": "map[string]any",
           "labels": "map[string]any"}
_GO_TYPE = {"struct": "ast.rawAnnotation", "any": "interface {}", "[]map[string]any": "[]map[string]interface {}",
            "[]any": "[]interface {}", "map[string]any": "map[string]interface {}"}
_YAML_DIRECTIVE = re.compile(r"%YAML[ \t]+([0-9]+)\.([0-9]+)")
_MAX_DECODES = 10_000  # go-yaml refuses "excessive aliasing" near here; past it natpolicy cannot tell
# go-yaml's resolveTable: the first byte says which scalars to try.
_HINT = {**{c: "S" for c in "+-"}, **{c: "D" for c in "0123456789"}, **{c: "M" for c in "yYnNtTfFoO~"}, ".": "."}
_RESOLVE_MAP: dict[str, tuple[str, Any]] = {
    **{v: ("!!bool", True) for v in ("true", "True", "TRUE")},
    **{v: ("!!bool", False) for v in ("false", "False", "FALSE")},
    **{v: ("!!null", None) for v in ("", "~", "null", "Null", "NULL")},
    **{v: ("!!float", math.nan) for v in (".nan", ".NaN", ".NAN")},
    **{v: ("!!float", math.inf) for v in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{v: ("!!float", -math.inf) for v in ("-.inf", "-.Inf", "-.INF")},
    "<<": ("!!merge", "<<"),
}
_RESOLVABLE = {"", "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp"}
_BOOL_WORDS = {**{w: True for w in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")},
               **{w: False for w in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")}}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # strconv.ParseFloat of a text that starts with "."
# parseTimestamp's layouts: 2006-1-2T15:4:5.999999999Z07:00 (T or t), 2006-1-2 15:4:5.999999999, 2006-1-2.
_TIMESTAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?P<sep>[Tt ])(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?"
                        r"(?P<zone>Z|[+-](\d{2}):(\d{2}))?)?")


class MetadataProblem(Exception):
    """Why OPA refuses a block (or why natpolicy cannot tell whether it does), in one line."""


class GeneralMap(list[tuple[Any, Any]]):
    """A mapping go-yaml decodes as ``map[interface{}]interface{}`` (a key that is not a string)."""


@record(frozen=True)
class Timestamp:
    """A plain scalar go-yaml resolves to ``time.Time``."""

    text: str


class _Composer(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Composes nodes only; marks each tag the text did not give, so go-yaml's own rules resolve it."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _IMPLICIT


def decode_annotation(text: str) -> dict[str, Any]:
    """The fields of ``rawAnnotation`` that ``text`` sets, decoded as go-yaml v3 decodes them, or MetadataProblem."""
    if _version_directive(text) not in (None, (1, 1)):
        # go-yaml (v2 and v3 alike, parserc.go yaml_parser_process_directives) takes `%YAML 1.1` only; PyYAML
        # takes any 1.x.
        raise MetadataProblem("its YAML has a %YAML directive other than 1.1 (go-yaml: found incompatible YAML "
                              "document)")
    scanner_gaps(text, MetadataProblem)  # where go-yaml's scanner and libyaml's part ways
    loader = _Composer(text)
    try:
        node = loader.get_node() if loader.check_node() else None  # the first document only, as go-yaml
    except yaml.MarkedYAMLError as exc:
        raise MetadataProblem(_syntax(exc)) from None
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow (go-yaml refuses those too)
        raise MetadataProblem(f"its YAML does not parse ({str(exc).splitlines()[0]})") from None
    except RecursionError:
        raise MetadataProblem("its YAML nests deeper than natpolicy reads; natpolicy cannot tell how OPA's "
                              "YAML reader (go-yaml v3) reads it") from None
    finally:
        loader.dispose()
    if node is None:
        return {}
    good, fields = _Decoder(_shared_nodes(node)).unmarshal(node, "struct")
    return fields if good and isinstance(fields, dict) else {}


def _version_directive(text: str) -> tuple[int, int] | None:
    """The version of the first document's ``%YAML`` directive: a directive stands at a line's start before the
    document's ``---`` (a plain scalar cannot start with ``%``)."""
    for line in text.splitlines():
        if line.startswith("---"):
            return None
        found = _YAML_DIRECTIVE.match(line)
        if found:
            return int(found.group(1)), int(found.group(2))
    return None


def _shared_nodes(root: yaml.Node) -> set[int]:
    """The nodes reached more than once (through an alias), walking each once."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return shared


# libyaml's (and go-yaml's, a port of it) wording of errors every YAML reader of that family reports.
_CERTAIN = ("mapping values are not allowed", "did not find expected", "could not find expected ':'",
            "found character that cannot start any token", "found undefined alias", "expected ',' or ",
            "found unexpected end of stream", "found unknown escape character", "while scanning a quoted scalar")


def _syntax(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or str(exc)).strip()
    context = (exc.context or "").strip()
    if any(problem.startswith(c) or context.startswith(c) for c in _CERTAIN):
        return f"its YAML does not parse ({problem})"
    return (f"its YAML does not parse for PyYAML ({problem}), and natpolicy cannot tell whether OPA's YAML reader "
            "(go-yaml v3) parses it")


def _short(tag: str) -> str:
    return "!!" + tag[len(_LONG):] if tag.startswith(_LONG) else tag


def go_tag(node: yaml.Node) -> str:
    """The tag go-yaml's parser gives the node (``parser.node``): explicit, else by style, else resolved."""
    if node.tag != _IMPLICIT:
        return _short(node.tag)
    if isinstance(node, yaml.MappingNode):
        return "!!map"
    if not isinstance(node, yaml.ScalarNode):
        return "!!seq"
    if node.style:  # quoted, literal or folded: a string
        return "!!str"
    return "!!merge" if node.value == "<<" else resolve("", node.value)[0]


def resolve(tag: str, text: str) -> tuple[str, Any]:
    """go-yaml v3's ``resolve``: (tag, value) of a scalar, or MetadataProblem where the tag does not fit."""
    if tag not in _RESOLVABLE:
        return tag, text
    rtag, value = _resolve_plain(tag, text)
    if tag in ("", rtag, "!!str", "!!binary"):
        return rtag, value
    if tag == "!!float" and rtag == "!!int":
        return tag, float(value)
    raise MetadataProblem(f"go-yaml cannot decode {rtag} `{text}` as a {tag}")


def _resolve_plain(tag: str, text: str) -> tuple[str, Any]:
    hint = _HINT.get(text[0], "") if text else "N"
    if not hint or tag in ("!!str", "!!binary"):
        return "!!str", text
    if text in _RESOLVE_MAP:
        return _RESOLVE_MAP[text]
    if hint == "." and _DOT_FLOAT.fullmatch(text) and math.isfinite(float(text)):
        return "!!float", float(text)
    if hint in "DS":
        if tag in ("", "!!timestamp") and _is_timestamp(text):
            return "!!timestamp", Timestamp(text)
        plain = text.replace("_", "")
        number = _go_int(plain)
        if number is not None and (-(1 << 63) <= number < 1 << 63 or (plain[0] not in "+-" and number < 1 << 64)):
            return "!!int", number
        if _YAML_FLOAT.fullmatch(plain) and math.isfinite(float(plain)):
            return "!!float", float(plain)
    return "!!str", text


def _go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, ...) without its range: 0x, 0o, 0b and a leading 0 (octal) prefixes."""
    sign, digits = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    base = 10
    if digits[:2] in ("0x", "0X", "0o", "0O", "0b", "0B"):
        base, digits = {"x": 16, "o": 8, "b": 2}[digits[1].lower()], digits[2:]
    elif len(digits) > 1 and digits[0] == "0":
        base, digits = 8, digits[1:]
    allowed = "0123456789abcdef"[:base]
    if not digits or any(c.lower() not in allowed for c in digits):
        return None
    return sign * int(digits, base)


def _is_timestamp(text: str) -> bool:
    """go-yaml's parseTimestamp: Go's time.Parse of one of its layouts, with Go's range checks."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return False
    if m["sep"] is not None and (m["sep"] == " ") == bool(m["zone"]):
        return False  # the T layout needs a zone, the space layout has none
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if m["sep"] is None:
        return True
    hour, minute, second = int(m[5]), int(m[6]), int(m[7])
    zone_ok = not m["zone"] or m["zone"] == "Z" or (int(m[9]) <= 24 and int(m[10]) <= 60)
    return hour < 24 and minute < 60 and second < 60 and zone_ok


class _Decoder:
    """go-yaml v3's ``decoder``, for the Go types of ``rawAnnotation`` only; the first error ends it."""

    def __init__(self, shared: set[int]) -> None:
        self.shared = shared  # nodes an alias names: reachable twice
        self.decodes = 0
        self.active: set[int] = set()  # nodes being decoded: meeting one again is an alias inside itself

    def unmarshal(self, node: yaml.Node, want: str) -> tuple[bool, Any]:
        self.decodes += 1
        if self.decodes > _MAX_DECODES:
            raise MetadataProblem("its aliases expand past what natpolicy reads; natpolicy cannot tell whether "
                                  "OPA's YAML reader (go-yaml v3) refuses it (excessive aliasing)")
        if id(node) in self.active:
            raise MetadataProblem("an anchor's value contains an alias of itself (go-yaml: anchor value contains "
                                  "itself)")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.ScalarNode):
                return self._scalar(node, want)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, want)
            return self._sequence(node, want)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, want: str) -> tuple[bool, Any]:
        tag = go_tag(node)
        if tag == "!!str":
            value: Any = node.value
        else:
            tag, value = resolve(tag, node.value)
            if tag == "!!binary":
                value = _base64(node.value)
        if value is None:  # null leaves a string or bool as it was, and empties the rest
            return want not in ("string", "bool", "struct"), None
        if want == "string":
            return True, value if tag == "!!binary" else node.value
        if want == "any":
            return True, value
        if want == "bool" and isinstance(value, bool):
            return True, value
        if want == "bool" and isinstance(value, str) and value in _BOOL_WORDS:
            return True, _BOOL_WORDS[value]
        raise _type_error(node, tag, want)

    def _sequence(self, node: yaml.Node, want: str) -> tuple[bool, Any]:
        if not want.startswith("[]") and want != "any":
            raise _type_error(node, "!!seq", want)
        element = want[2:] if want.startswith("[]") else "any"
        out = []
        for child in node.value:
            good, value = self.unmarshal(child, element)
            if good:
                out.append(value)
        return True, out

    def _mapping(self, node: yaml.MappingNode, want: str) -> tuple[bool, Any]:
        _unique_keys(node, self.shared)
        if want == "struct":
            return True, self._struct(node, set())
        if want not in ("map[string]any", "any"):
            raise _type_error(node, "!!map", want)
        string_keys = want == "map[string]any" or all(go_tag(k) in ("!!str", "!!merge") for k, _ in node.value)
        out: dict[str, Any] | GeneralMap = {} if string_keys else GeneralMap()
        merges: list[yaml.Node] = []
        for key, value in node.value:
            if _is_merge(key):
                merges.append(value)
                continue
            good, name = self.unmarshal(key, "string" if string_keys else "any")
            if not good:
                continue
            if isinstance(name, (list, dict)):
                raise MetadataProblem(f"a mapping key is a collection (go-yaml: invalid map key: {name!r})")
            good, decoded = self.unmarshal(value, "any")
            if isinstance(out, GeneralMap):
                out.append((name, decoded))
            else:
                out[name] = decoded  # SetMapIndex: a later key of one text wins
        for merge in merges:
            for source in _merge_sources(merge):
                _, extra = self.unmarshal(source, want)
                _merge_into(out, extra)
        return True, out

    def _struct(self, node: yaml.MappingNode, done: set[str]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        merges: list[yaml.Node] = []
        for key, value in node.value:
            if _is_merge(key):
                merges.append(value)
                continue
            good, name = self.unmarshal(key, "string")
            if not good or name in done:
                continue  # a null key, or a field a merge supplies once the map's own keys are in
            if name in fields:
                raise MetadataProblem(f"the field `{name}` is set twice (go-yaml: field {name} already set)")
            if name in _FIELDS:  # another key is never decoded: nothing in its value is checked
                good, decoded = self.unmarshal(value, _FIELDS[name])
                fields[name] = decoded if good else None
        for merge in merges:
            for source in _merge_sources(merge):
                if not isinstance(source, yaml.MappingNode):
                    raise MetadataProblem("a `<<` merge is no mapping (go-yaml: map merge requires map or "
                                          "sequence of maps as the value)")
                _unique_keys(source, self.shared)
                extra = self._struct(source, done | set(fields))
                fields.update({k: v for k, v in extra.items() if k not in fields})
        return fields


def _unique_keys(node: yaml.MappingNode, shared: set[int]) -> None:
    """go-yaml's check, on every mapping it decodes: two keys of one kind and one text are an error."""
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        text = key.value if isinstance(key, yaml.ScalarNode) else ""
        where = (type(key).__name__, text)
        if where in seen:
            if id(key) in shared or id(seen[where]) in shared:
                # go-yaml compares an alias by its anchor's name, which composing the graph forgets
                raise MetadataProblem("a key given by an alias may repeat another; natpolicy cannot tell whether "
                                      "OPA's YAML reader (go-yaml v3) takes them as one key")
            raise MetadataProblem(f"the key `{text}` is given twice in one mapping (go-yaml: mapping key "
                                  f"\"{text}\" already defined)")
        seen[where] = key


def _is_merge(key: yaml.Node) -> bool:
    return isinstance(key, yaml.ScalarNode) and key.value == "<<" and go_tag(key) == "!!merge"


def _merge_sources(merge: yaml.Node) -> list[yaml.Node]:
    if isinstance(merge, yaml.MappingNode):
        return [merge]
    if isinstance(merge, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in merge.value):
        return list(merge.value)
    raise MetadataProblem("a `<<` merge is no mapping (go-yaml: map merge requires map or sequence of maps as "
                          "the value)")


def _merge_into(out: dict[str, Any] | GeneralMap, extra: Any) -> None:
    if isinstance(out, GeneralMap):
        out.extend(extra.items() if isinstance(extra, dict) else extra)
    else:
        for key, value in (extra.items() if isinstance(extra, dict) else extra):
            out.setdefault(key, value)


def _base64(text: str) -> str:
    try:
        return base64.b64decode(re.sub(r"[\r\n]", "", text), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        raise MetadataProblem("a !!binary value is no base64 (go-yaml: !!binary value contains invalid base64 "
                              "data)") from None


def _type_error(node: yaml.Node, tag: str, want: str) -> MetadataProblem:
    text = node.value if isinstance(node, yaml.ScalarNode) else ""
    shown = f" `{text[:7]}...`" if len(text) > 10 else f" `{text}`" if isinstance(node, yaml.ScalarNode) else ""
    if want == "struct":
        what = "a list" if isinstance(node, yaml.SequenceNode) else "a plain value"
        return MetadataProblem(f"its YAML is {what}, not a mapping of annotation fields (`title: ...`); OPA cannot "
                               f"decode it (go-yaml: cannot unmarshal {tag}{shown} into ast.rawAnnotation)")
    return MetadataProblem(f"a value has the wrong type (go-yaml: cannot unmarshal {tag}{shown} into "
                           f"{_GO_TYPE.get(want, want)})")
