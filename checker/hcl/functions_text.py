"""Terraform's string, regex, encoding, CIDR and hash functions (registered in ``FUNCTIONS``).

Go semantics where Python's differ: ``upper("straße")`` keeps the ``ß``,
``urlencode`` writes a space as ``+``, ``title`` capitalises after any
non-letter, regexes are RE2 (:mod:`natpolicy.hcl.re2`), ``yamldecode`` reads
YAML as Terraform's parser does (``010`` is ten, ``1_000`` a string).
"""
from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import ipaddress
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from natpolicy.hcl.budget import charge_size, measure
from natpolicy.hcl.formatting import json_encode, tf_format
from natpolicy.hcl.functions import fn, seq, strings, text, whole
from natpolicy.hcl.re2 import Match, Pattern, compile_re2, expand_template
from natpolicy.hcl.values import EvalError, NotEvaluated, TfList, normalise_number, parse_number, to_string

__all__: list[str] = []


# ---------------------------------------------------------------- strings
@fn("split")
def _split(sep: Any, value: Any) -> Any:
    sep, value = text(sep), text(value)
    if sep == "":
        return TfList(value)  # one element per character; "" gives []
    return TfList(value.split(sep))


@fn("join")
def _join(sep: Any, first: Any, *rest: Any) -> Any:
    items: list[Any] = []
    for item in (first, *rest):
        items.extend(strings(item, "join() list"))
    if any(i is None for i in items):
        raise EvalError("join(): cannot join null values")
    separator = text(sep)
    # Before joining: a list can hold the same huge string a thousand times.
    charge_size(sum(len(i) for i in items if i is not None) + len(separator) * len(items))
    return separator.join(items)


@fn("format", deep=True)
def _format(spec: Any, *args: Any) -> Any:
    charge_size(sum(measure(a) for a in args))  # `format(spec, list...)` can repeat a huge value
    return tf_format(text(spec), list(args))


@fn("formatlist", deep=True)
def _formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(seq(a)) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): lists differ in length")
    n = lengths.pop() if lengths else 1
    rows = [[seq(a)[i] if isinstance(a, list) else a for a in args] for i in range(n)]
    out = TfList()
    for row in rows:
        out.append(tf_format(text(spec), row))
        charge_size(len(out[-1]))
    return out


def _per_rune(value: str, change: Callable[[str], str]) -> str:
    # Go maps each character to one character; Python's "ß".upper() is "SS".
    out = []
    for ch in value:
        changed = change(ch)
        out.append(changed if len(changed) == 1 else ch)
    return "".join(out)


@fn("lower")
def _lower(value: Any) -> Any:
    return _per_rune(text(value), str.lower)


@fn("upper")
def _upper(value: Any) -> Any:
    return _per_rune(text(value), str.upper)


def _go_separator(ch: str) -> bool:
    """Go's strings.Title word separator."""
    if ord(ch) < 0x80:
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or unicodedata.category(ch).startswith(("N", "M")):
        return False
    return ch.isspace()


@fn("title")
def _title(value: Any) -> Any:
    out, previous = [], " "
    for ch in text(value):
        out.append(_per_rune(ch, str.title) if _go_separator(previous) else ch)
        previous = ch
    return "".join(out)


def _go_matches(pattern: Pattern, value: str) -> Iterator[Match]:
    """Matches as Go's ``FindAll``/``ReplaceAll`` see them: an empty match
    right after a previous match is skipped (Python yields it)."""
    end = -1
    for m in pattern.finditer(value):
        if m.start() == m.end() == end:
            continue
        end = m.end()
        yield m


@fn("replace")
def _replace(value: Any, old: Any, new: Any) -> Any:
    value, old, new = text(value), text(old), text(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        pattern = compile_re2(old[1:-1])
        out, pos = [], 0
        for m in _go_matches(pattern, value):
            out.append(value[pos:m.start()])
            out.append(expand_template(new, m))
            charge_size(len(out[-1]) + 1)  # each match may add a long replacement
            pos = m.end()
        out.append(value[pos:])
        return "".join(out)
    matches = value.count(old) if old else len(value) + 1
    charge_size(len(value) + matches * len(new))  # before building it
    return value.replace(old, new)


# Go's unicode.IsSpace: Python's str.strip() also removes \x1c-\x1f.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"


@fn("trimspace")
def _trimspace(value: Any) -> Any:
    return text(value).strip(_GO_SPACE)


@fn("trim")
def _trim(value: Any, chars: Any) -> Any:
    cut = text(chars)
    return text(value).strip(cut) if cut else text(value)


@fn("trimprefix")
def _trimprefix(value: Any, prefix: Any) -> Any:
    value, prefix = text(value), text(prefix)
    return value[len(prefix):] if prefix and value.startswith(prefix) else value


@fn("trimsuffix")
def _trimsuffix(value: Any, suffix: Any) -> Any:
    value, suffix = text(value), text(suffix)
    return value[: -len(suffix)] if suffix and value.endswith(suffix) else value


@fn("startswith")
def _startswith(value: Any, prefix: Any) -> Any:
    return text(value).startswith(text(prefix))


@fn("endswith")
def _endswith(value: Any, suffix: Any) -> Any:
    return text(value).endswith(text(suffix))


@fn("strcontains")
def _strcontains(value: Any, part: Any) -> Any:
    return text(part) in text(value)


@fn("substr")
def _substr(value: Any, offset: Any, length: Any) -> Any:
    value, start, n = text(value), whole(offset), whole(length)
    if start < 0:
        start = max(0, start + len(value))
    if start >= len(value):
        return ""
    return value[start:] if n < 0 else value[start:start + n]


@fn("strrev")
def _strrev(value: Any) -> Any:
    return text(value)[::-1]


@fn("chomp")
def _chomp(value: Any) -> Any:
    return re.sub(r"(\r\n|\n|\r)+\Z", "", text(value))


@fn("indent")
def _indent(spaces: Any, value: Any) -> Any:
    count = whole(spaces)
    if count < 0:
        raise EvalError("indent(): a negative number of spaces")
    if count > 10_000:
        raise NotEvaluated("indent() by thousands of spaces")
    pad = " " * count
    lines = text(value).split("\n")
    charge_size(sum(map(len, lines)) + count * len(lines))
    return "\n".join([lines[0], *(pad + ln for ln in lines[1:])])


@fn("urlencode")
def _urlencode(value: Any) -> Any:
    from urllib.parse import quote_plus

    return quote_plus(text(value), safe="")  # Go's QueryEscape: a space is "+"


def _go_clean(path: str) -> str:
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


@fn("basename")
def _basename(path: Any) -> Any:
    value = text(path).rstrip("/")
    if not value:
        return "/" if text(path) else "."
    return value.rsplit("/", 1)[-1]


@fn("dirname")
def _dirname(path: Any) -> Any:
    value = text(path)
    return _go_clean(value[:value.rfind("/") + 1])


# ---------------------------------------------------------------- regex
def _regex(pattern: Any) -> Pattern:
    compiled = compile_re2(text(pattern))
    if compiled.groupindex and len(compiled.groupindex) != compiled.groups:
        raise EvalError("regex(): the pattern mixes named and unnamed capture groups")
    return compiled


def _match_value(m: Match) -> Any:
    if m.re.groupindex:
        return {name: m.group(name) for name in m.re.groupindex}
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


@fn("regex")
def _regex_fn(pattern: Any, value: Any) -> Any:
    m = _regex(pattern).search(text(value))
    if m is None:
        raise EvalError("regex(): no match")
    return _match_value(m)


@fn("regexall")
def _regexall(pattern: Any, value: Any) -> Any:
    return TfList(_match_value(m) for m in _go_matches(_regex(pattern), text(value)))


# ---------------------------------------------------------------- encodings
@fn("jsonencode", deep=True)
def _jsonencode(value: Any) -> Any:
    charge_size(measure(value))  # the text repeats what a value shares
    return json_encode(value)


@fn("jsondecode")
def _jsondecode(value: Any) -> Any:
    from natpolicy.hcl.expr import decode_json

    return decode_json(text(value))


@fn("base64encode")
def _base64encode(value: Any) -> Any:
    return base64.b64encode(text(value).encode()).decode()


@fn("base64decode")
def _base64decode(value: Any) -> Any:
    try:
        return base64.b64decode(text(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise EvalError("base64decode(): not base64 of UTF-8 text") from None


@fn("yamldecode")
def _yamldecode(value: Any) -> Any:
    import yaml

    source = text(value)
    if not source.strip():
        raise EvalError("yamldecode(): missing start of document")
    try:
        loader = _yaml_loader()(source)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            # Aliases share one node; the value repeats it each time: count as it will be built.
            charge_size(_yaml_size(node, {}))
            return _plain(loader.construct_document(node))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise EvalError(f"yamldecode(): {exc}") from None
    except RecursionError:
        raise NotEvaluated("YAML nested too deeply for natpolicy") from None


def _yaml_size(node: Any, memo: dict[int, int]) -> int:
    """Nodes in ``node`` with every alias expanded (a billion laughs is a billion), in time linear in the document."""
    known = memo.get(id(node))
    if known is not None:
        if known < 0:
            raise NotEvaluated("a YAML document that contains itself")
        return known
    memo[id(node)] = -1  # in progress: an alias back to it would never end
    if isinstance(node.value, list):
        children = [c for pair in node.value for c in pair] if node.id == "mapping" else node.value
        size = 1 + sum(_yaml_size(child, memo) for child in children)
    else:
        size = 1
    memo[id(node)] = size
    return size


_YAML_LOADER: Any = None


def _yaml_loader() -> Any:
    """A SafeLoader reading scalars as Terraform's YAML decoder does:
    YAML 1.2 numbers (``010`` is 10, ``0o10`` is 8, ``1e3`` a number,
    ``1_000`` and ``1:30`` strings), YAML 1.1 booleans (``yes``, ``on``, ``y``),
    and timestamps as RFC 3339 text."""
    global _YAML_LOADER
    if _YAML_LOADER is not None:
        return _YAML_LOADER
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    replaced = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:timestamp"}
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in replaced]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
        list("yYnNtTfFoO"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                                 list("-+0123456789"))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                   r"|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:timestamp",
        re.compile(r"^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
                   r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?$"), list("0123456789"))

    def construct_bool(loader: Any, node: Any) -> bool:
        return loader.construct_scalar(node).lower() in ("y", "yes", "true", "on")

    def construct_int(loader: Any, node: Any) -> int:
        raw = loader.construct_scalar(node)
        if raw.startswith("0o"):
            return int(raw[2:], 8)
        if raw.startswith("0x"):
            return int(raw[2:], 16)
        return int(raw)

    def construct_float(loader: Any, node: Any) -> Any:
        raw = loader.construct_scalar(node)
        if raw.lstrip("+-").lower() in (".inf", ".nan"):
            raise NotEvaluated("an infinite or NaN number")
        return parse_number(raw)

    def construct_timestamp(loader: Any, node: Any) -> str:
        raw = loader.construct_scalar(node)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return raw + "T00:00:00Z"
        raise NotEvaluated("a YAML timestamp with a time of day")

    def construct_binary(loader: Any, node: Any) -> str:
        return loader.construct_scalar(node)  # Terraform keeps the base64 text

    Loader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    Loader.add_constructor("tag:yaml.org,2002:binary", construct_binary)
    _YAML_LOADER = Loader
    return Loader


def _plain(value: Any) -> Any:
    """YAML values as Terraform sees them (map keys are strings)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else to_string(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return normalise_number(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise NotEvaluated(f"a YAML {type(value).__name__} value")


@fn("csvdecode")
def _csvdecode(value: Any) -> Any:
    source = text(value)
    try:
        rows = [r for r in csv.reader(io.StringIO(source), strict=True) if r]
    except csv.Error as exc:
        raise EvalError(f"csvdecode(): {exc}") from None
    if not rows:
        raise EvalError("csvdecode(): missing header line")
    if _bare_quote(source):
        raise EvalError('csvdecode(): bare " in a field written without quotes')
    header, body = rows[0], rows[1:]
    if any(len(r) != len(header) for r in body):
        raise EvalError("csvdecode(): rows differ in length")
    return TfList(dict(zip(header, r, strict=True)) for r in body)


def _bare_quote(source: str) -> bool:
    """A ``"`` inside a field written without quotes: Go's reader refuses it, Python's accepts it."""
    quoted, field_start, i = False, True, 0
    while i < len(source):
        ch = source[i]
        if quoted:
            if ch == '"':
                if source.startswith('""', i):
                    i += 1
                else:
                    quoted = False
        elif ch == '"':
            if not field_start:
                return True
            quoted = True
        field_start = not quoted and ch in ",\r\n"
        i += 1
    return False


def _digest(name: str) -> Callable[[Any], Any]:
    def digest(value: Any) -> Any:
        return hashlib.new(name, text(value).encode()).hexdigest()

    return digest


for _name in ("md5", "sha1", "sha256", "sha512"):
    fn(_name)(_digest(_name))


@fn("base64sha256")
def _base64sha256(value: Any) -> Any:
    return base64.b64encode(hashlib.sha256(text(value).encode()).digest()).decode()


# ---------------------------------------------------------------- cidrs
def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    value = text(prefix)
    if not re.fullmatch(r"[^/]+/[0-9]{1,3}", value):
        raise EvalError(f"invalid CIDR address: {value}")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise EvalError(f"invalid CIDR address: {value}") from None


def _address(net: ipaddress.IPv4Network | ipaddress.IPv6Network, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if net.version == 4 else ipaddress.IPv6Address(value))


@fn("cidrsubnet")
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    net = _network(prefix)
    bits, num = whole(newbits), whole(netnum)
    new_len = net.prefixlen + bits
    if bits < 0 or new_len > net.max_prefixlen:
        raise EvalError("cidrsubnet(): not enough bits")
    if num < 0:
        raise NotEvaluated("cidrsubnet() with a negative netnum")  # Terraform wraps it oddly
    if num >= 2 ** bits:
        raise EvalError("cidrsubnet(): netnum does not fit in newbits")
    base = int(net.network_address) + (num << (net.max_prefixlen - new_len))
    return f"{_address(net, base)}/{new_len}"


@fn("cidrsubnets")
def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    net = _network(prefix)
    out = TfList()
    cursor, end = int(net.network_address), int(net.broadcast_address)
    for nb in newbits:
        bits = whole(nb)
        new_len = net.prefixlen + bits
        if bits < 1 or new_len > net.max_prefixlen:
            raise EvalError("cidrsubnets(): invalid newbits")
        size = 1 << (net.max_prefixlen - new_len)
        cursor = (cursor + size - 1) // size * size
        if cursor + size - 1 > end:
            raise EvalError("cidrsubnets(): not enough remaining address space")
        out.append(f"{_address(net, cursor)}/{new_len}")
        cursor += size
    return out


@fn("cidrhost")
def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    net = _network(prefix)
    num = whole(hostnum)
    size = net.num_addresses
    if num < -size or num >= size:
        raise EvalError("cidrhost(): host number out of range")
    return _address(net, int(net.network_address) + (num if num >= 0 else size + num))


@fn("cidrnetmask")
def _cidrnetmask(prefix: Any) -> Any:
    net = _network(prefix)
    if net.version != 4:
        raise EvalError("cidrnetmask(): only IPv4 prefixes have a netmask")
    return str(net.netmask)

