"""A ``--data`` number whose text OPA keeps otherwise than natpolicy's engines hold it: refused at load.

conftest loads ``--data`` files with OPA's loader (``loader.NewFileLoader().All``, then ``Result.Store``). A JSON
file is decoded with ``util.NewJSONDecoder`` (``UseNumber``): each number stays a ``json.Number``, its text as
written, and becomes ``ast.Number`` of that text. So ``1.0``, ``2.50``, ``1e2`` or ``-0.0`` of a data file is that
text in OPA: ``json.marshal`` and the query's answer write it (``1.0``), an object key holds it, ``sprintf``'s
``%d`` of ``1.0`` prints ``%!d(float64=1)`` and a whole number written with a point or an exponent is no integer
(``Number.Int`` parses the text: no array index, no ``numbers.range`` bound). natpolicy reads the file's values,
and both engines hold ``1.0`` as the integer 1 and ``2.50`` as 2.5 (measured: ``json.marshal`` ``1``, ``2.5``;
``[1, 2, 3][data.a]`` 2). A JSON integer past 64 bits is kept whole by OPA, which neither engine holds (regopy
answered 2^63 + 1 as 2^63, regorus wrote 2^64 + 1 ``18446744073709552000``; measured), nor a YAML one (go-yaml
reads it as a uint64 up to 2^64 - 1, which ``encoding/json`` writes whole).

A YAML file's numbers are values there: ``loadYAML`` runs ``yaml.YAMLToJSON`` (go-yaml, then ``encoding/json``
writes each float64 in Go's shortest form) before the JSON decoder, so ``1.0`` is ``1`` and ``2.50`` ``2.5`` in
OPA as in natpolicy. A JSON number written as Go writes its value (``1``, ``2.5``, ``0.000001``, ``1e+21``,
``-0``) is held as conftest's input numbers are (``go_json_numbers``), and passes.

No engine can be handed a number's text, so such a number is refused where a policy reads the data at its place
(``data.KEY`` of its top key, ``data[...]`` or ``data`` whole, in any module); one no module reads passes.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from natpolicy.errors import InputError
from natpolicy.records import record
from natpolicy.rego.go_json_numbers import go_float64_text
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.source import char_line_col, tokens

__all__ = ["KeptNumber", "go_written", "kept_numbers", "refuse_kept_data_numbers"]

# A JSON token: a string (skipped: a number inside one is text), a number, or a bracket, colon or comma.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|[{}\[\]:,]')
_FLOAT_MARKS = frozenset(".eE")
_I64 = (-(2 ** 63), 2 ** 63 - 1)  # what both engines hold whole (measured at both ends)


@record(frozen=True)
class KeptNumber:
    """A number of a data file whose text OPA keeps otherwise than natpolicy holds it."""

    display: str  # the file as messages show it
    where: str  # `:LINE` (JSON) or ` at data.PATH` (YAML)
    text: str  # as written (JSON) or as go-yaml reads it (YAML)
    top: str | None  # its key under `data` (None: the file's top holds no object key above it)
    written: str | None  # as natpolicy's engines hold it, in Go's JSON text; None: they cannot hold it


def go_written(text: str) -> str | None:
    """The JSON number ``text`` as both engines hold its value, written as Go's ``encoding/json`` writes a number
    conftest hands OPA (an integer's digits, else the float64's shortest form); None where no engine holds it."""
    if not _FLOAT_MARKS & set(text):
        if text == "-0":
            return text  # read as -0.0 (input_json), written `-0` as OPA writes conftest's input -0
        value = int(text)
        return text if _I64[0] <= value <= _I64[1] else None
    number = float(text)
    if math.isinf(number):
        return None
    if number != 0 and number.is_integer() and abs(number) < 1e21:
        whole = int(number)
        return str(whole) if _I64[0] <= whole <= _I64[1] else go_float64_text(number)
    return go_float64_text(number)


def kept_numbers(text: str, display: str, top: str | None) -> Iterator[KeptNumber]:
    """The numbers of the JSON ``text`` (a data file placed under ``top``, or at ``data``'s root where None)
    whose text OPA keeps otherwise than natpolicy holds them, with their lines."""
    depth, last_string, key = 0, "", top
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in "{[":
            depth += 1
        elif first in "}]":
            depth -= 1
        elif first == '"':
            last_string = token
        elif first == ":":
            if depth == 1 and top is None:
                key = json.loads(last_string)
        elif first != ",":
            written = go_written(token)
            if written != token:
                line, _ = char_line_col(text, match.start())
                yield KeptNumber(display, f":{line}", token, key, written)


def kept_yaml_numbers(value: Any, display: str, path: list[str]) -> Iterator[KeptNumber]:
    """The integers of a YAML file's ``value`` past 64 bits (OPA: a uint64 up to 2^64 - 1, else go-yaml's
    float64; neither engine holds them as OPA does)."""
    if isinstance(value, dict):
        for k, child in value.items():
            yield from kept_yaml_numbers(child, display, [*path, str(k)])
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from kept_yaml_numbers(child, display, [*path, str(n)])
    elif isinstance(value, int) and not isinstance(value, bool) and not _I64[0] <= value <= _I64[1]:
        yield KeptNumber(display, f" at data.{'.'.join(path)}", str(value), path[0] if path else None, None)


def refuse_kept_data_numbers(policies: Sequence[PolicyFile], paths: Sequence[str]) -> None:
    """Raise ``InputError`` at the first such number of the ``--data`` files that a policy reads."""
    from natpolicy.loaders.plan_text import decode, read_bytes
    from natpolicy.rego.data_files import data_files
    from natpolicy.rego.documents import is_yaml, parse_yaml_documents

    readers = [_data_reads(policy) for policy in policies]
    for file, prefix, display in data_files(paths):
        text = decode(read_bytes(str(file)), display)
        if is_yaml(str(file)):
            found: Iterator[KeptNumber] = (number for doc in parse_yaml_documents(text, display)
                                           for number in kept_yaml_numbers(doc, display, list(prefix)))
        else:
            found = kept_numbers(text, display, prefix[0] if prefix else None)
        for number in found:
            for policy, reads in zip(policies, readers, strict=True):
                offset = reads(number.top)
                if offset is not None:
                    line, _ = char_line_col(policy.source, offset)
                    raise InputError(f"{number.display}{number.where}", _message(number, policy.display, line))


def _message(number: KeptNumber, policy: str, line: int) -> str:
    held = (f"natpolicy's engines hold only its value ({number.written}); write it {number.written} in the file"
            if number.written is not None else
            "natpolicy's engines cannot hold it whole (past 64 bits); write it as a string")
    return (f"the number {number.text}: OPA keeps a --data file's number as its text (json.marshal, sprintf, object "
            f"keys and the answer show it; one written with a point or an exponent is no integer there), and "
            f"{policy}:{line} reads data{'.' + number.top if number.top else ''}; {held}")


def _data_reads(policy: PolicyFile) -> Any:
    """A function of a top key of ``data`` (None: the root): the offset where the policy reads ``data`` at it
    (``data.KEY``, ``data[...]``, or ``data`` whole), else None."""
    toks = tokens(policy.source)
    sites: list[tuple[int, str | None]] = []  # (offset, key read; None: any)
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "data" or (i > 0 and toks[i - 1].text == "."):
            continue
        after = toks[i + 1] if i + 1 < len(toks) else None
        named = after is not None and after.text == "." and i + 2 < len(toks) and toks[i + 2].kind == "ident"
        sites.append((tok.offset, toks[i + 2].text if named else None))

    def reads(top: str | None) -> int | None:
        return next((offset for offset, key in sites if key is None or top is None or key == top), None)
    return reads
