"""Terraform built-in functions, with Terraform's semantics, over plain values.

Each function receives evaluated arguments. Unless marked ``lenient``, a
function given an unknown argument returns ``UNKNOWN`` (``deep`` functions
also when an unknown hides inside a collection argument). A Terraform error
(wrong type, bad index) raises :class:`EvalError`, which the evaluator turns
into unknown, or which ``try()`` uses to pick its fallback.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from natpolicy.hcl.expr import EvalError, decode_json, equal, normalise_number, to_string
from natpolicy.model import UNKNOWN, is_known

__all__ = ["FUNCTIONS", "file_functions"]

FUNCTIONS: dict[str, Callable[..., Any]] = {}


def fn(name: str, *, deep: bool = False, lenient: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if not lenient:
                if any(a is UNKNOWN for a in args):
                    return UNKNOWN
                if deep and not all(is_known(a) for a in args):
                    return UNKNOWN
            try:
                return func(*args)
            except EvalError:
                raise
            except (TypeError, ValueError, KeyError, IndexError, ArithmeticError, AttributeError, re.error) as exc:
                raise EvalError(f"{name}(): {exc}") from exc

        call.__name__ = name
        FUNCTIONS[name] = call
        return call

    return register


# ---------------------------------------------------------------- helpers
def _list(value: Any, what: str = "argument") -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvalError(f"{what} must be a list")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise EvalError("argument must be a map or object")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise EvalError("a whole number is required")
    if isinstance(value, str):
        value = float(value) if any(c in value for c in ".eE") else int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise EvalError("a whole number is required")
        value = int(value)
    if not isinstance(value, int):
        raise EvalError("a number is required")
    return value


def _num(value: Any) -> int | float:
    if isinstance(value, bool) or value is None:
        raise EvalError("a number is required")
    if isinstance(value, str):
        return normalise_number(float(value))
    if isinstance(value, (int, float)):
        return value
    raise EvalError("a number is required")


def _str(value: Any) -> str:
    return to_string(value)


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return out


def _set(items: list[Any]) -> list[Any]:
    """Terraform sets: distinct; strings come out sorted."""
    items = _distinct(items)
    if all(isinstance(i, str) for i in items):
        return sorted(items)
    if all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in items):
        return sorted(items)
    return items


# ---------------------------------------------------------------- collections
@fn("length")
def _length(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return len(value)
    if isinstance(value, str):
        return len(value)
    raise EvalError("length() needs a collection or string")


@fn("lookup")
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    mapping, key = _map(mapping), _str(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup(): no key {key!r} and no default")


@fn("element")
def _element(items: Any, index: Any) -> Any:
    items, i = _list(items), _int(index)
    if not items:
        raise EvalError("element() on an empty list")
    if i < 0:
        raise EvalError("element() index must not be negative")
    return items[i % len(items)]  # element() wraps around


@fn("concat")
def _concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        out.extend(_list(item))
    return out


@fn("merge")
def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        out.update(_map(item))
    return out


@fn("flatten")
def _flatten(items: Any) -> Any:
    out: list[Any] = []
    try:
        _flatten_into(items, out)
    except _Unknown:
        return UNKNOWN
    return out


def _flatten_into(value: Any, out: list[Any]) -> None:
    # A module-level function: a recursive closure would be a reference cycle.
    for v in _list(value):
        if v is UNKNOWN:
            raise _Unknown
        if isinstance(v, list):
            _flatten_into(v, out)
        else:
            out.append(v)


class _Unknown(Exception):
    pass


@fn("distinct", deep=True)
def _distinct_fn(items: Any) -> Any:
    return _distinct(_list(items))


@fn("compact")
def _compact(items: Any) -> Any:
    items = _list(items)
    if any(i is UNKNOWN for i in items):
        return UNKNOWN
    return [_str(i) for i in items if i is not None and i != ""]


@fn("keys")
def _keys(mapping: Any) -> Any:
    return sorted(_map(mapping))


@fn("values")
def _values(mapping: Any) -> Any:
    mapping = _map(mapping)
    return [mapping[k] for k in sorted(mapping)]


@fn("zipmap")
def _zipmap(keys: Any, values: Any) -> Any:
    keys, values = _list(keys), _list(values)
    if len(keys) != len(values):
        raise EvalError("zipmap() lists must have the same length")
    if any(k is UNKNOWN for k in keys):
        return UNKNOWN
    return {_str(k): v for k, v in zip(keys, values)}


@fn("contains", deep=True)
def _contains(items: Any, value: Any) -> Any:
    return any(equal(i, value) is True for i in _list(items))


@fn("index", deep=True)
def _index(items: Any, value: Any) -> Any:
    for i, item in enumerate(_list(items)):
        if equal(item, value) is True:
            return i
    raise EvalError("index(): value not found")


@fn("slice")
def _slice(items: Any, start: Any, end: Any) -> Any:
    items, a, b = _list(items), _int(start), _int(end)
    if a < 0 or b > len(items) or a > b:
        raise EvalError("slice() indices out of range")
    return items[a:b]


@fn("range")
def _range(*args: Any) -> Any:
    nums = [_num(a) for a in args]
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1 if nums[0] >= 0 else -1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1 if nums[1] >= nums[0] else -1
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise EvalError("range() takes one to three arguments")
    if step == 0 or (step > 0 and start > stop) or (step < 0 and start < stop):
        raise EvalError("range() step does not reach the limit")
    out: list[Any] = []
    value = start
    while (value < stop) if step > 0 else (value > stop):
        out.append(normalise_number(value))
        value += step
        if len(out) > 1024:
            raise EvalError("range() would produce more than 1024 elements")
    return out


@fn("setproduct")
def _setproduct(*lists: Any) -> Any:
    result: list[list[Any]] = [[]]
    for item in lists:
        result = [[*r, v] for r in result for v in _list(item)]
    return result


@fn("tolist")
def _tolist(value: Any) -> Any:
    return list(_list(value))


@fn("toset", deep=True)
def _toset(value: Any) -> Any:
    return _set(_list(value))


@fn("tomap")
def _tomap(value: Any) -> Any:
    return dict(_map(value))


@fn("reverse")
def _reverse(value: Any) -> Any:
    return list(reversed(_list(value)))


@fn("sort", deep=True)
def _sort(value: Any) -> Any:
    return sorted(_str(v) for v in _list(value))


@fn("chunklist")
def _chunklist(value: Any, size: Any) -> Any:
    items, n = _list(value), _int(size)
    if n <= 0:
        return [items]
    return [items[i:i + n] for i in range(0, len(items), n)]


@fn("coalesce", lenient=True)
def _coalesce(*args: Any) -> Any:
    for arg in args:
        if arg is UNKNOWN:
            return UNKNOWN  # it might turn out null or empty
        if arg is not None and arg != "":
            return arg
    raise EvalError("coalesce(): no non-null, non-empty argument")


@fn("coalescelist", lenient=True)
def _coalescelist(*args: Any) -> Any:
    for arg in args:
        if arg is UNKNOWN:
            return UNKNOWN
        if _list(arg):
            return arg
    return []


@fn("one")
def _one(value: Any) -> Any:
    items = _list(value)
    if len(items) > 1:
        raise EvalError("one() needs a list of at most one element")
    return items[0] if items else None


@fn("sum", deep=True)
def _sum(value: Any) -> Any:
    return normalise_number(sum(_num(v) for v in _list(value)))


@fn("alltrue", deep=True)
def _alltrue(value: Any) -> Any:
    return all(v is True or v == "true" for v in _list(value))


@fn("anytrue", deep=True)
def _anytrue(value: Any) -> Any:
    return any(v is True or v == "true" for v in _list(value))


@fn("transpose", deep=True)
def _transpose(value: Any) -> Any:
    out: dict[str, list[str]] = {}
    for key in sorted(_map(value)):
        for item in _list(value[key]):
            out.setdefault(_str(item), []).append(key)
    return out


# ---------------------------------------------------------------- strings
@fn("split")
def _split(sep: Any, text: Any) -> Any:
    sep, text = _str(sep), _str(text)
    if text == "":
        return [""]
    return text.split(sep) if sep else list(text)


@fn("join")
def _join(sep: Any, *lists: Any) -> Any:
    items: list[Any] = []
    for item in lists:
        items.extend(_list(item))
    if any(i is UNKNOWN for i in items):
        return UNKNOWN
    return _str(sep).join(_str(i) for i in items)


_VERB = re.compile(r"%(?:%|([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z]))")


@fn("format", deep=True)
def _format(spec: Any, *args: Any) -> Any:
    spec = _str(spec)
    queue = list(args)

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "%%":
            return "%"
        if not queue:
            raise EvalError("format(): too few arguments")
        value = queue.pop(0)
        verb, flags, width, prec = m.group(4), m.group(1) or "", m.group(2), m.group(3)
        if verb in ("s", "v"):
            text = json.dumps(value) if isinstance(value, (list, dict)) else _str(value)
        elif verb == "d":
            text = str(_int(value))
        elif verb in ("f", "e", "g"):
            text = f"%{'.' + prec if prec else ''}{verb}" % _num(value)
        elif verb in ("x", "X", "o", "b"):
            text = format(_int(value), verb)
        elif verb == "q":
            text = json.dumps(_str(value))
        elif verb == "t":
            text = "true" if value is True else "false"
        else:
            raise EvalError(f"format(): unsupported verb %{verb}")
        if width:
            text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width), "0" if "0" in flags else " ")
        return text

    return _VERB.sub(sub, spec)


@fn("formatlist", deep=True)
def _formatlist(spec: Any, *args: Any) -> Any:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): lists differ in length")
    n = lengths.pop() if lengths else 1
    return [_format(spec, *(a[i] if isinstance(a, list) else a for a in args)) for i in range(n)]


@fn("lower")
def _lower(text: Any) -> Any:
    return _str(text).lower()


@fn("upper")
def _upper(text: Any) -> Any:
    return _str(text).upper()


@fn("title")
def _title(text: Any) -> Any:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), _str(text))


def _go_regex(pattern: str) -> re.Pattern[str]:
    # RE2 named groups are (?P<name>...), which Python shares; most other
    # syntax in Terraform modules is common to both.
    return re.compile(pattern)


@fn("replace")
def _replace(text: Any, old: Any, new: Any) -> Any:
    text, old, new = _str(text), _str(old), _str(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        repl = re.sub(r"\$(\d+)|\$\{(\w+)\}", lambda m: "\\g<" + (m.group(1) or m.group(2)) + ">", new)
        return _go_regex(old[1:-1]).sub(repl, text)
    return text.replace(old, new)


@fn("trimspace")
def _trimspace(text: Any) -> Any:
    return _str(text).strip()


@fn("trim")
def _trim(text: Any, chars: Any) -> Any:
    return _str(text).strip(_str(chars))


@fn("trimprefix")
def _trimprefix(text: Any, prefix: Any) -> Any:
    text, prefix = _str(text), _str(prefix)
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


@fn("trimsuffix")
def _trimsuffix(text: Any, suffix: Any) -> Any:
    text, suffix = _str(text), _str(suffix)
    return text[: -len(suffix)] if suffix and text.endswith(suffix) else text


@fn("startswith")
def _startswith(text: Any, prefix: Any) -> Any:
    return _str(text).startswith(_str(prefix))


@fn("endswith")
def _endswith(text: Any, suffix: Any) -> Any:
    return _str(text).endswith(_str(suffix))


@fn("strcontains")
def _strcontains(text: Any, part: Any) -> Any:
    return _str(part) in _str(text)


@fn("substr")
def _substr(text: Any, offset: Any, length: Any) -> Any:
    text, start, n = _str(text), _int(offset), _int(length)
    if start < 0:
        start += len(text)
    return text[start:] if n == -1 else text[start:start + n]


@fn("regex")
def _regex(pattern: Any, text: Any) -> Any:
    m = _go_regex(_str(pattern)).search(_str(text))
    if m is None:
        raise EvalError("regex(): no match")
    return _match_value(m)


@fn("regexall")
def _regexall(pattern: Any, text: Any) -> Any:
    return [_match_value(m) for m in _go_regex(_str(pattern)).finditer(_str(text))]


def _match_value(m: re.Match[str]) -> Any:
    if m.re.groupindex:
        return {name: m.group(name) for name in m.re.groupindex}
    if m.re.groups:
        return list(m.groups())
    return m.group(0)


# ---------------------------------------------------------------- encodings
@fn("jsonencode", deep=True)
def _jsonencode(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@fn("jsondecode")
def _jsondecode(text: Any) -> Any:
    try:
        return decode_json(_str(text))
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc.msg}") from None


@fn("base64encode")
def _base64encode(text: Any) -> Any:
    return base64.b64encode(_str(text).encode()).decode()


@fn("base64decode")
def _base64decode(text: Any) -> Any:
    return base64.b64decode(_str(text)).decode()


@fn("tostring")
def _tostring(value: Any) -> Any:
    return None if value is None else _str(value)


@fn("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else _num(value)


@fn("tobool")
def _tobool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError("tobool(): not a boolean")


# ---------------------------------------------------------------- cidrs
def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(_str(prefix), strict=False)


@fn("cidrsubnet")
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    net = _network(prefix)
    bits, num = _int(newbits), _int(netnum)
    new_len = net.prefixlen + bits
    if new_len > net.max_prefixlen or num < 0 or num >= 2 ** bits:
        raise EvalError("cidrsubnet(): not enough bits")
    base = int(net.network_address) + (num << (net.max_prefixlen - new_len))
    return f"{ipaddress.ip_address(base) if net.version == 4 else ipaddress.IPv6Address(base)}/{new_len}"


@fn("cidrsubnets")
def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    net = _network(prefix)
    out = []
    cursor = int(net.network_address)
    for nb in newbits:
        new_len = net.prefixlen + _int(nb)
        size = 1 << (net.max_prefixlen - new_len)
        cursor = (cursor + size - 1) // size * size
        addr = ipaddress.ip_address(cursor) if net.version == 4 else ipaddress.IPv6Address(cursor)
        out.append(f"{addr}/{new_len}")
        cursor += size
    return out


@fn("cidrhost")
def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    net = _network(prefix)
    num = _int(hostnum)
    size = net.num_addresses
    if num < -size or num >= size:
        raise EvalError("cidrhost(): host number out of range")
    base = int(net.network_address) + (num if num >= 0 else size + num)
    return str(ipaddress.ip_address(base) if net.version == 4 else ipaddress.IPv6Address(base))


@fn("cidrnetmask")
def _cidrnetmask(prefix: Any) -> Any:
    return str(ipaddress.IPv4Network(_str(prefix), strict=False).netmask)


# ---------------------------------------------------------------- numbers
@fn("max", deep=True)
def _max(*args: Any) -> Any:
    if not args:
        raise EvalError("max() needs arguments")
    return max(_num(a) for a in args)


@fn("min", deep=True)
def _min(*args: Any) -> Any:
    if not args:
        raise EvalError("min() needs arguments")
    return min(_num(a) for a in args)


@fn("abs")
def _abs(value: Any) -> Any:
    return abs(_num(value))


@fn("ceil")
def _ceil(value: Any) -> Any:
    return math.ceil(_num(value))


@fn("floor")
def _floor(value: Any) -> Any:
    return math.floor(_num(value))


@fn("signum")
def _signum(value: Any) -> Any:
    n = _num(value)
    return (n > 0) - (n < 0)


@fn("parseint")
def _parseint(text: Any, base: Any) -> Any:
    return int(_str(text), _int(base))


@fn("pow")
def _pow(a: Any, b: Any) -> Any:
    return normalise_number(_num(a) ** _num(b))


# ---------------------------------------------------------------- files
def file_functions(base_dir: Path, repo_root: Path, read: Callable[[Path], str | None]) -> dict[str, Callable[..., Any]]:
    """``file``/``fileexists``/``templatefile`` relative to ``base_dir``, confined to the repository.

    ``read`` returns a file's text or ``None``; paths outside ``repo_root``
    are never read (a configuration must not make natpolicy read ``/etc``).
    """

    def resolve(name: Any) -> Path | None:
        path = Path(_str(name))
        full = (path if path.is_absolute() else base_dir / path).resolve()
        try:
            full.relative_to(repo_root.resolve())
        except ValueError:
            return None
        return full

    def file_(name: Any) -> Any:
        if name is UNKNOWN:
            return UNKNOWN
        path = resolve(name)
        text = read(path) if path is not None else None
        return UNKNOWN if text is None else text

    def fileexists(name: Any) -> Any:
        if name is UNKNOWN:
            return UNKNOWN
        path = resolve(name)
        if path is None:
            return UNKNOWN
        return read(path) is not None

    def templatefile(name: Any, variables: Any = None) -> Any:
        if name is UNKNOWN or variables is UNKNOWN:
            return UNKNOWN
        path = resolve(name)
        text = read(path) if path is not None else None
        if text is None:
            return UNKNOWN
        from natpolicy.hcl.expr import Context, _template_text

        bindings = dict(_map(variables)) if variables is not None else {}
        ctx = Context(lambda n: UNKNOWN, bindings)
        return _template_text(text, ctx, 0)

    return {"file": file_, "fileexists": fileexists, "templatefile": templatefile}


# ---------------------------------------------------------------- more, as modules use them
@fn("sensitive")
def _sensitive(value: Any) -> Any:
    return value  # sensitivity is tracked per argument by the loader, not per value


@fn("nonsensitive")
def _nonsensitive(value: Any) -> Any:
    return value


@fn("issensitive")
def _issensitive(value: Any) -> Any:
    return UNKNOWN  # the loader tracks sensitivity by reference, not on values


@fn("yamldecode")
def _yamldecode(text: Any) -> Any:
    import yaml

    try:
        return _plain(yaml.safe_load(_str(text)))
    except yaml.YAMLError as exc:
        raise EvalError(f"yamldecode(): {exc}") from None


def _plain(value: Any) -> Any:
    """YAML scalars (dates, ...) as Terraform sees them; numbers normalised."""
    if isinstance(value, dict):
        return {_str(k) if not isinstance(k, str) else k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return normalise_number(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


@fn("csvdecode")
def _csvdecode(text: Any) -> Any:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(_str(text))))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if any(len(r) != len(header) for r in body):
        raise EvalError("csvdecode(): rows differ in length")
    return [dict(zip(header, r)) for r in body]


def _digest(name: str) -> Callable[[Any], Any]:
    import hashlib

    def digest(text: Any) -> Any:
        return hashlib.new(name, _str(text).encode()).hexdigest()

    return digest


for _name in ("md5", "sha1", "sha256", "sha512"):
    fn(_name)(_digest(_name))


@fn("base64sha256")
def _base64sha256(text: Any) -> Any:
    import hashlib

    return base64.b64encode(hashlib.sha256(_str(text).encode()).digest()).decode()


@fn("basename")
def _basename(path: Any) -> Any:
    text = _str(path).rstrip("/")
    return text.rsplit("/", 1)[-1] if text else _str(path)


@fn("dirname")
def _dirname(path: Any) -> Any:
    text = _str(path)
    head = text.rsplit("/", 1)[0] if "/" in text else "."
    return head or "/"


@fn("strrev")
def _strrev(text: Any) -> Any:
    return _str(text)[::-1]


@fn("chomp")
def _chomp(text: Any) -> Any:
    return re.sub(r"(\r\n|\n|\r)+\Z", "", _str(text))


@fn("indent")
def _indent(spaces: Any, text: Any) -> Any:
    pad = " " * _int(spaces)
    lines = _str(text).split("\n")
    return "\n".join([lines[0], *(pad + ln for ln in lines[1:])])


@fn("urlencode")
def _urlencode(text: Any) -> Any:
    from urllib.parse import quote

    return quote(_str(text), safe="-_.~")


@fn("setunion", deep=True)
def _setunion(*sets: Any) -> Any:
    return _set([v for s in sets for v in _list(s)])


@fn("setintersection", deep=True)
def _setintersection(first: Any, *rest: Any) -> Any:
    items = _list(first)
    for other in rest:
        items = [v for v in items if any(equal(v, o) is True for o in _list(other))]
    return _set(items)


@fn("setsubtract", deep=True)
def _setsubtract(a: Any, b: Any) -> Any:
    return _set([v for v in _list(a) if not any(equal(v, o) is True for o in _list(b))])


@fn("matchkeys", deep=True)
def _matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    values, keys = _list(values), _list(keys)
    if len(values) != len(keys):
        raise EvalError("matchkeys(): values and keys differ in length")
    wanted = _list(searchset)
    return [v for v, k in zip(values, keys) if any(equal(k, w) is True for w in wanted)]
