"""Terraform's encoding functions (JSON, YAML, CSV, base64, URL).

``urlencode`` writes a space as ``+`` (Go's QueryEscape), ``yamldecode`` reads
YAML as Terraform's parser does (``010`` is ten, ``1_000`` a string).
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from typing import Any

from natpolicy.loaders.hcl.budget import charge_size, measure
from natpolicy.loaders.hcl.formatting import json_encode
from natpolicy.loaders.hcl.functions.arguments import text
from natpolicy.loaders.hcl.functions.registry import fn
from natpolicy.loaders.hcl.values import EvalError, NotEvaluated, TfList, normalise_number, parse_number, to_string

__all__: list[str] = []


@fn("urlencode")
def _urlencode(value: Any) -> Any:
    from urllib.parse import quote_plus

    return quote_plus(text(value), safe="")  # Go's QueryEscape: a space is "+"


# ---------------------------------------------------------------- encodings
@fn("jsonencode", deep=True)
def _jsonencode(value: Any) -> Any:
    charge_size(measure(value))  # the text repeats what a value shares
    return json_encode(value)


@fn("jsondecode")
def _jsondecode(value: Any) -> Any:
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


def decode_json(text: str) -> Any:
    """``jsondecode``: arrays are tuples, objects objects; numbers exact, as Terraform reads them."""

    def constant(name: str) -> Any:
        raise EvalError(f"jsondecode(): {name} is not JSON")

    try:
        return json.loads(text, parse_float=parse_number, parse_int=parse_number, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc.msg}") from None
    except RecursionError:
        raise NotEvaluated("JSON nested too deeply for natpolicy") from None
