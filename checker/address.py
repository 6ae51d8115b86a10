"""Terraform resource addresses and instance keys, read and written exactly as Terraform prints them.

::

    address     module.a["x"].module.b[0].aws_security_group.web["a.b"]
                data.aws_iam_policy_document.p
    module path module.a["x"].module.b[0]   (each step: ``module.NAME`` and an optional key)
    resource    [data.]TYPE.NAME            (``mode`` is "data" or "managed")
    key         [0] or ["..."]              (``count`` index or ``for_each`` key)

A string key is printed the way Terraform's ``addrs.StringKey.String``
prints it (``toHCLQuotedString`` in ``internal/addrs/instance_key.go``): as an
HCL quoted string where ``\\n``, ``\\r``, ``\\t``, ``\\"`` and ``\\\\`` are
escaped, any other character Go's ``unicode.IsPrint`` rejects becomes
``\\uXXXX`` (or ``\\UXXXXXXXX`` beyond the BMP), a ``$`` or ``%`` followed by
``{`` is doubled so it cannot start a template, and everything else, UTF-8
included, is written as it is: ``["café"]``, never ``["caf\\u00e9"]``. Plan
JSON carries Terraform's own strings; the HCL loader builds its addresses
here, so both modes name one instance with one string (and hence one
fingerprint, baseline entry and suppression match).

Keys may hold dots, brackets and quotes, so addresses are walked character
by character here, never split on ``.`` or matched with ad-hoc regexes.

This module is a leaf: it imports nothing of natpolicy's, so the model, the
loaders, the outputs and the Rego layer can all use it.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from natpolicy.records import record

__all__ = [
    "Address",
    "AddressError",
    "Key",
    "ModuleStep",
    "address_in_text",
    "config_address_of",
    "format_key",
    "key_value",
    "literal_key",
    "logical_name",
    "module_keys_of",
    "module_path",
    "module_prefix",
    "module_steps",
    "parse",
    "parse_key",
    "quote",
    "reference_steps",
    "reference_target",
    "resource_type_of",
    "skip_index",
    "strip_instance_keys",
    "target_of_steps",
    "unquote",
]

Key = int | str | None


class AddressError(ValueError):
    """Text that is not a resource address (or not an instance key)."""


# -- keys ---------------------------------------------------------------------------

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}
_UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


# Text that quotes as itself: nothing to escape, no "${" or "%{" possible. Compiled on first use: a plan
# run quotes no key (about 0.3 M instructions at every start before).
@cache
def _plain() -> re.Pattern[str]:
    return re.compile(r'[^"\\$%]*')


def quote(text: str) -> str:
    """``text`` as an HCL quoted string, exactly as Terraform writes an instance key."""
    if text.isprintable() and _plain().fullmatch(text):
        return f'"{text}"'  # nearly every key: skip the character walk
    out = ['"']
    for i, ch in enumerate(text):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in "$%":
            # Doubled only before "{": "${" would start a template.
            out.append(ch + ch if text[i + 1:i + 2] == "{" else ch)
        elif ch.isprintable():
            # Python's isprintable and Go's unicode.IsPrint agree: letters,
            # marks, numbers, punctuation, symbols and the ASCII space.
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def unquote(text: str) -> str:
    """The string an HCL quoted string (quotes included) spells; the inverse of :func:`quote`."""
    value, end = _read_quoted(text, 0)
    if end != len(text):
        raise AddressError(f"unexpected text after the closing quote: {text[end:]!r}")
    return value


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """The string quoted at ``text[i]`` and the position after its closing quote."""
    if text[i:i + 1] != '"':
        raise AddressError(f"expected a quoted string at {text[i:]!r}")
    out: list[str] = []
    i += 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            kind = text[i + 1:i + 2]
            if kind in _UNESCAPES:
                out.append(_UNESCAPES[kind])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(kind)
            digits = text[i + 2:i + 2 + width] if width else ""
            if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise AddressError(f"unknown escape {text[i:i + 2]!r} in a quoted key")
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise AddressError(f"escape {text[i:i + 2 + width]!r} is beyond Unicode")
            out.append(chr(code))
            i += 2 + width
            continue
        if ch in "$%":
            following = text[i + 1:i + 3]
            if following[:1] == "{":
                raise AddressError(f"a template ({ch}{{) is not a literal key")
            if following == ch + "{":
                out.append(ch)  # the doubled introducer; the "{" is read next, as itself
                i += 2
                continue
        out.append(ch)
        i += 1
    raise AddressError("unterminated quoted key")


def format_key(key: Key) -> str:
    """``None`` -> ``""``, ``0`` -> ``[0]``, ``"café"`` -> ``["café"]``."""
    if key is None:
        return ""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    return "[" + quote(str(key)) + "]"


def parse_key(text: str) -> int | str:
    """``[0]`` -> 0, ``["a"]`` -> "a"; an :class:`AddressError` for anything else."""
    key, end = _read_key(text, 0)
    if end != len(text):
        raise AddressError(f"unexpected text after the instance key: {text[end:]!r}")
    return key


def _read_key(text: str, i: int) -> tuple[int | str, int]:
    if text[i:i + 1] != "[":
        raise AddressError(f"expected an instance key at {text[i:]!r}")
    i += 1
    if text[i:i + 1] == '"':
        key: int | str
        key, i = _read_quoted(text, i)
    else:
        start = i
        while i < len(text) and text[i] in "0123456789":
            i += 1
        if i == start:
            raise AddressError(f"an instance key is a number or a quoted string, not {text[start - 1:]!r}")
        key = int(text[start:i])
    if text[i:i + 1] != "]":
        raise AddressError(f"expected ']' at {text[i:]!r}")
    return key, i + 1


def literal_key(inner: str) -> str | None:
    """The text between ``[`` and ``]`` as a normalised instance key, or None if it is computed.

    ``0`` -> ``[0]``, ``"a"`` -> ``["a"]``; ``count.index``, ``each.key``, ``*`` -> None.
    """
    inner = inner.strip()
    # Fast paths first: this runs for every keyed step of every reference.
    if inner.isascii() and inner.isdigit():
        return f"[{int(inner)}]"
    if len(inner) < 2 or inner[0] != '"' or inner[-1] != '"':
        return None  # count.index, each.key, *, var.x...
    body = inner[1:-1]
    if body.isprintable() and _plain().fullmatch(body):
        return f"[{inner}]"
    try:
        return format_key(parse_key(f"[{inner}]"))
    except AddressError:
        return None


def key_value(key: str | None) -> Key:
    """``[0]`` -> 0, ``["a"]`` -> "a": the ``Resource.index`` a normalised key names."""
    return None if key is None else parse_key(key)


# -- whole addresses ----------------------------------------------------------------

@record(frozen=True, slots=True)
class ModuleStep:
    name: str
    key: Key = None

    def __str__(self) -> str:
        return f"module.{self.name}{format_key(self.key)}"


@record(frozen=True, slots=True)
class Address:
    """One resource instance address, split as Terraform splits it."""

    module: tuple[ModuleStep, ...]
    type: str
    name: str
    key: Key = None
    mode: str = "managed"

    def __str__(self) -> str:
        local = f"{self.type}.{self.name}{format_key(self.key)}"
        if self.mode == "data":
            local = "data." + local
        return ".".join([*(str(s) for s in self.module), local])

    @property
    def module_address(self) -> str:
        """``module.a["x"].module.b``, or "" in the root module."""
        return ".".join(str(s) for s in self.module)

    @property
    def config_address(self) -> str:
        """The address without any instance key: ``module.a.module.b.aws_x.y``."""
        return config_address_of(self.module_address, self.type, self.name, self.mode)

    @property
    def logical_name(self) -> str:
        """The resource's own name and key: ``web["a.b"]``."""
        return f"{self.name}{format_key(self.key)}"


def _read_name(text: str, i: int) -> tuple[str, int]:
    """A name (anything up to ``.``, ``[``, ``]``, a quote or a space); never empty."""
    start = i
    while i < len(text) and text[i] not in '.[]" \t\r\n':
        i += 1
    if i == start:
        raise AddressError(f"expected a name at {text[start:]!r}" if text[start:] else "the address ends early")
    return text[start:i], i


def _expect_dot(text: str, i: int) -> int:
    if text[i:i + 1] != ".":
        raise AddressError(f"expected '.' at {text[i:]!r}" if text[i:] else "the address ends early")
    return i + 1


def _read_module_step(text: str, i: int) -> tuple[str, Key, int]:
    """``module.NAME[key]`` at ``i`` (without the dot after it)."""
    name, i = _read_name(text, i + len("module."))
    key: Key = None
    if text[i:i + 1] == "[":
        key, i = _read_key(text, i)
    return name, key, i


# What ends a name besides a dot (see _read_name), or starts a key.
_KEY_OR_BREAK = re.compile(r'[\[\]" \t\r\n]')


@lru_cache(maxsize=65536)
def parse(address: str) -> Address:
    """``module.a["x"].aws_sg.b[0]`` -> its parts; an :class:`AddressError` when it is no address."""
    steps: list[ModuleStep] = []
    i = 0
    while address.startswith("module.", i):
        step_name, step_key, i = _read_module_step(address, i)
        steps.append(ModuleStep(step_name, step_key))
        i = _expect_dot(address, i)
    mode = "managed"
    if address.startswith("data.", i):
        mode, i = "data", i + len("data.")
    type_, i = _read_name(address, i)
    name, i = _read_name(address, _expect_dot(address, i))
    key: Key = None
    if address[i:i + 1] == "[":
        key, i = _read_key(address, i)
    if i != len(address):
        raise AddressError(f"unexpected text at the end of the address: {address[i:]!r}")
    return Address(tuple(steps), type_, name, key, mode)


def module_steps(address: str) -> list[tuple[str, str]]:
    """The leading ``module.NAME[key].`` steps of ``address``, each as (name, its text with the dot).

    Joined, the texts give back the start of ``address`` unchanged (keys as written);
    anything that is not such a step ends the walk (``plans/a.json`` -> ``[]``).
    """
    out: list[tuple[str, str]] = []
    i = 0
    while address.startswith("module.", i):
        try:
            name, _, end = _read_module_step(address, i)
            end = _expect_dot(address, end)
        except AddressError:
            break
        out.append((name, address[i:end]))
        i = end
    return out


def module_prefix(address: str) -> str:
    """The ``module.a["k"].module.b`` prefix of a resource address ("" in the root module)."""
    return "".join(text for _, text in module_steps(address)).rstrip(".")


def logical_name(address: str) -> str:
    """A resource's own name and key (``web["a.b"]``); for text that is no address, what follows its last dot."""
    if _KEY_OR_BREAK.search(address) is None:
        # No key and nothing that ends a name but a dot: parsed, its name is the last dot-separated part
        # (what follows the last dot), and text that does not parse gives that too. One SARIF result
        # each: parsing cost 34,000 instructions an address not parsed before in the run.
        return address.rsplit(".", 1)[-1]
    try:
        return parse(address).logical_name
    except AddressError:
        return address.rsplit(".", 1)[-1]


def resource_type_of(address: str | None) -> str:
    """The resource type an address (or a path into one, ``aws_x.y.ingress``) names; "" without one.

    Lenient on purpose: it reads what a policy reports, which need not be a well-formed address.
    """
    if not address:
        return ""
    parts = [name for name, _ in reference_steps(address)]
    while parts[:1] == ["module"] and len(parts) > 2:
        parts = parts[2:]
    if parts[:1] == ["data"]:
        parts = parts[1:]
    return parts[0] if len(parts) >= 2 else ""


def config_address_of(module: str, type_: str, name: str, mode: str = "managed") -> str:
    local = f"data.{type_}.{name}" if mode == "data" else f"{type_}.{name}"
    if not module:  # the root module (module_path("") is ()): asked for every resource, several times a run
        return local
    path = module_path(module)
    return ".".join([*(f"module.{m}" for m in path), local]) if path else local


def module_path(module_address: str) -> tuple[str, ...]:
    """``module.a["x"].module.b[0]`` -> ``("a", "b")`` (instance keys dropped)."""
    if not module_address:
        return ()
    names: list[str] = []
    i, n = 0, len(module_address)
    while i < n:
        if module_address.startswith("module.", i):
            i += 7
            start = i
            while i < n and module_address[i] not in ".[":
                i += 1
            names.append(module_address[start:i])
        elif module_address[i] == "[":
            i = skip_index(module_address, i)
        else:
            i += 1
    return tuple(names)


def strip_instance_keys(address: str) -> str:
    """``module.a["x"].aws_sg.b[0]`` -> ``module.a.aws_sg.b`` (quoted keys may hold brackets)."""
    out: list[str] = []
    i, n = 0, len(address)
    while i < n:
        if address[i] == "[":
            i = skip_index(address, i)
            continue
        out.append(address[i])
        i += 1
    return "".join(out)


def skip_index(text: str, i: int) -> int:
    """Return the position after the ``[...]`` starting at ``i``; honours quoted keys."""
    i += 1
    in_string = False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "]":
            return i + 1
        i += 1
    return i


# -- references (see natpolicy.model) ------------------------------------------------

def reference_steps(text: str) -> list[tuple[str, str | None]]:
    """Dotted parts of a reference or address, each with the literal key written after it.

    ``module.vpc["a"].aws_vpc.this[count.index].id`` ->
    ``[("module", None), ("vpc", '["a"]'), ("aws_vpc", None), ("this", None), ("id", None)]``.
    """
    if "[" not in text:
        # Nearly every reference: a plain split gives the same steps as the
        # character walk below, several times faster.
        return [(p, None) for p in text.split(".") if p]
    steps: list[tuple[str, str | None]] = []
    name: list[str] = []
    key: str | None = None
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == ".":
            steps.append(("".join(name), key))
            name, key = [], None
        elif ch == "[":
            end = skip_index(text, i)
            found = literal_key(text[i + 1:end - 1])
            if key is None:  # a second index (list element of an attribute) is not an instance key
                key = found
            i = end
            continue
        else:
            name.append(ch)
        i += 1
    steps.append(("".join(name), key))
    return [s for s in steps if s[0]]


@lru_cache(maxsize=65536)
def reference_target(target: str) -> tuple[str, tuple[str | None, ...], str | None]:
    """A ``Resource.references`` target -> (config address, key per module step, resource key).

    ``module.net["a"].aws_vpc.this[0]`` -> ``("module.net.aws_vpc.this", ('["a"]',), "[0]")``.
    """
    if "[" not in target:
        parts = target.split(".")
        if "" not in parts:
            # Nearly every target (``aws_vpc.main``, ``module.net.aws_vpc.this``): no key anywhere and no empty
            # step, so the steps are the dotted parts and the walk below comes to this. Its list, slices and
            # two generators cost a rule 16,000 instructions a target (582 routes' tables at 10k, 200 flow logs' VPCs).
            i, n = 0, len(parts)
            while i + 1 < n and parts[i] == "module":
                i += 2
            width = 3 if i < n and parts[i] == "data" else 2
            return ".".join(parts[:i + width]), (None,) * (i // 2), None
    return target_of_steps(reference_steps(target))


def target_of_steps(steps: list[tuple[str, str | None]]) -> tuple[str, tuple[str | None, ...], str | None]:
    """``reference_target`` of a target's ``reference_steps``: the walk every target once took."""
    names: list[str] = []
    module_keys: list[str | None] = []
    i = 0
    while i + 1 < len(steps) and steps[i][0] == "module":
        names.append(steps[i + 1][0])
        module_keys.append(steps[i + 1][1])
        i += 2
    local = steps[i:]
    width = 3 if local and local[0][0] == "data" else 2
    resource_key = local[width - 1][1] if len(local) >= width else None
    config = ".".join([*(f"module.{m}" for m in names), *(s[0] for s in local[:width])])
    return config, tuple(module_keys), resource_key


def module_keys_of(module_address: str) -> tuple[str | None, ...]:
    """``module.a["x"].module.b`` -> ``('["x"]', None)``: the key of each module step."""
    if not module_address:
        return ()
    steps = reference_steps(module_address)
    return tuple(steps[i + 1][1] for i in range(0, len(steps) - 1, 2) if steps[i][0] == "module")


# -- addresses inside free text ------------------------------------------------------

_INDEX = r'(?:\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?'
# A Terraform resource address as it appears in a message:
# module.a["k"].module.b[0].aws_x.name[1], data.aws_y.z...
# Compiled on first use: a plan run reads it only to keep the addresses in a message that hides a secret,
# and compiling it at import cost every start about 0.5 M instructions.
@cache
def address_in_text() -> re.Pattern[str]:
    """The pattern of a resource address inside free text, compiled once."""
    return re.compile(
        r"(?<![\w.\-\]])(?:module\.[A-Za-z_][\w-]*" + _INDEX + r"\.)*(?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*"
        + _INDEX)

