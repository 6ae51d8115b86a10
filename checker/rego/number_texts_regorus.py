"""``to_number``, ``json.unmarshal`` and ``sprintf`` rewritten for regorus where a number's text can show (see
``number_texts``).

regorus holds a number's value, never its text. Each ``to_number`` call of the policy is renamed by how its result
is read: left alone where only its value is (but for ``*``, where a zero or negative whole number written with a
point stops: regorus hands ``*`` an integer, OPA multiplies a big.Float whose zero keeps a sign); a ``sprintf``
element itself is handed to natpolicy's ``sprintf`` with its text beside it (exact); elsewhere it stops on text
regorus would write otherwise (``numbers_opa``). A ``sprintf`` call with such an element, or with a whole number
literal written with a point or an exponent (``10.0``, directly or through a name bound to it and read only by value
or by ``sprintf``), is renamed to natpolicy's ``sprintf`` that takes the texts as a third argument, a literal array:
the policy cannot hand it a text of its own. A ``json.unmarshal`` whose result may show its numbers' texts (OPA
decodes with ``UseNumber``: ``[2.0]`` holds the number ``2.0``) has its operand checked first: text holding a number
regorus would write otherwise stops (regopy keeps such texts itself, measured); one read by value only has its
numbers checked for values regorus holds otherwise than OPA (``held_numbers``:
``json.unmarshal("18446744073709551616")`` is 2^64 in OPA, the float64 of an input's ``18446744073709552000`` on
regorus). Names and lines stay; columns on the line move.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from natpolicy.records import record
from natpolicy.rego.builtin_errors import replaced_builtins
from natpolicy.rego.number_texts import (
    argument_array,
    call_readings,
    multiplied,
    named_whole_floats,
    rule_span,
    sprintf_elements,
    whole_float,
)
from natpolicy.rego.numbers_opa import (
    opa_json_factors,
    opa_json_operands,
    opa_json_texts,
    opa_json_values,
    opa_to_number_factor,
    opa_to_number_kept,
    opa_to_number_texted,
    opa_to_number_whole,
)
from natpolicy.rego.regopy_keys import mentioned_names
from natpolicy.rego.source import apply_edits, matching_close, tokens
from natpolicy.rego.sprintf_opa import opa_sprintf_texts

__all__ = ["NO_TEXT_CONTEXT", "TextContext", "add_number_text_extensions", "number_texts_for_regorus",
           "text_contexts"]

KEPT_EXTENSION = "__natpolicy_to_number_kept"
WHOLE_EXTENSION = "__natpolicy_to_number_whole"
TEXTED_EXTENSION = "__natpolicy_to_number_texted"
# A to_number read by value whose value `*` reads: stops on a zero or negative whole number written with a point
# (regorus hands `*` an integer; OPA's big.Float product keeps a zero's sign).
FACTOR_EXTENSION = "__natpolicy_to_number_factor"
SPRINTF_TEXTS_EXTENSION = "__natpolicy_sprintf_texts"
JSON_EXTENSION = "__natpolicy_json_texts"
# json.unmarshal read by value only: its numbers checked for values regorus holds otherwise (held_numbers); and
JSON_VALUES_EXTENSION = "__natpolicy_json_values"
# where `+`, `-` or `/` reads it, for a negative zero too (OPA's big.Float keeps its sign); where `*` does, for a
# zero or negative whole number written with a point as well (as FACTOR_EXTENSION).
JSON_OPERANDS_EXTENSION = "__natpolicy_json_operands"
JSON_FACTORS_EXTENSION = "__natpolicy_json_factors"
_SUMS = frozenset({"+", "-", "/"})
_RENAMES = {"kept": KEPT_EXTENSION, "sprintf": WHOLE_EXTENSION, "direct": TEXTED_EXTENSION}


def add_number_text_extensions(engine: Any) -> None:
    """Register the functions the rewrite names on a regorus ``Engine``."""
    engine.add_extension(KEPT_EXTENSION, 1, opa_to_number_kept)
    engine.add_extension(WHOLE_EXTENSION, 1, opa_to_number_whole)
    engine.add_extension(TEXTED_EXTENSION, 1, opa_to_number_texted)
    engine.add_extension(FACTOR_EXTENSION, 1, opa_to_number_factor)
    engine.add_extension(SPRINTF_TEXTS_EXTENSION, 3, opa_sprintf_texts)
    engine.add_extension(JSON_EXTENSION, 1, opa_json_texts)
    engine.add_extension(JSON_VALUES_EXTENSION, 1, opa_json_values)
    engine.add_extension(JSON_OPERANDS_EXTENSION, 1, opa_json_operands)
    engine.add_extension(JSON_FACTORS_EXTENSION, 1, opa_json_factors)


@record(frozen=True)
class TextContext:
    """What the rewrite of one module reads of the others in its set."""

    # Which of sprintf and to_number the set replaces with `with NAME as`: a renamed call would escape the
    # replacement, so neither is renamed (guards refuses what that leaves unanswered).
    replaced: frozenset[str] = frozenset()
    # The names the other modules mention: a rule of this one may be read there (number_texts).
    elsewhere: frozenset[str] = frozenset()


NO_TEXT_CONTEXT = TextContext()


def text_contexts(modules: Mapping[str, str]) -> dict[str, TextContext]:
    """Each module's :class:`TextContext` in the set ``modules``."""
    replaced = frozenset(replaced_builtins(modules.values()) & {"sprintf", "to_number", "json.unmarshal"})
    return {name: TextContext(replaced, mentioned_names(other for o, other in modules.items() if o != name))
            for name in modules}


def number_texts_for_regorus(source: str, context: TextContext = NO_TEXT_CONTEXT) -> str:
    """``source`` rewritten as the module's docstring says."""
    replaced = context.replaced
    if "to_number" not in source and "sprintf" not in source and "unmarshal" not in source:
        return source
    toks = tokens(source)
    edits: list[tuple[int, int, str]] = []
    for i, reading in (call_readings(source, toks, context.elsewhere) if "to_number" not in replaced else {}).items():
        close = matching_close(toks, i + 1)
        renamed = _RENAMES.get(reading) if reading != "value" or close is None or not multiplied(
            source, toks, i, close) else FACTOR_EXTENSION
        if renamed is not None:
            edits.append((toks[i].offset, toks[i].offset + len(toks[i].text), renamed))
    texts: dict[int, dict[int, str]] = {}
    counts: dict[int, int] = {}  # the elements of each call's argument array
    named = named_whole_floats(source, toks)
    for i, reading in (call_readings(source, toks, context.elsewhere, "json.unmarshal")
                       if "json.unmarshal" not in replaced else {}).items():
        close = matching_close(toks, i + 3)
        if close is not None and close > i + 4:
            # Its numbers checked where they may show (numbers_opa.opa_json_texts), or, where only their values are
            # read, checked for values regorus holds otherwise than OPA (held_numbers); the text passes unchanged.
            check = JSON_EXTENSION if reading != "value" else JSON_FACTORS_EXTENSION if multiplied(
                source, toks, i, close) else JSON_OPERANDS_EXTENSION if multiplied(
                source, toks, i, close, _SUMS) else JSON_VALUES_EXTENSION
            edits += [(toks[i + 4].offset, toks[i + 4].offset, f"{check}("),
                      (toks[close].offset, toks[close].offset, ")")]
    for element in sprintf_elements(toks) if "sprintf" not in replaced else ():
        counts[element.call] = element.position + 1
        first = toks[element.first]
        text: str | None = None
        if element.first == element.last and first.kind == "number" and whole_float(first.text):
            text = json.dumps(first.text)
        elif element.first == element.last and first.kind == "ident":
            literal = named.get((rule_span(source, toks, element.first), first.text))
            text = json.dumps(literal) if literal is not None else None
        elif first.text == "to_number" and any(e[0] == first.offset and e[2] == TEXTED_EXTENSION for e in edits):
            text = "true"
        if text is not None:
            texts.setdefault(element.call, {})[element.position] = text
    for call, by_position in texts.items():
        array = argument_array(toks, call + 1)
        end = matching_close(toks, array) if array is not None else None
        if end is None:
            continue
        edits.append((toks[call].offset, toks[call].offset + len(toks[call].text), SPRINTF_TEXTS_EXTENSION))
        listed = ", ".join(by_position.get(p, "null") for p in range(counts[call]))
        # After the array (before a trailing comma): the texts are the third argument.
        edits.append((toks[end].offset + 1, toks[end].offset + 1, f", [{listed}]"))
    return apply_edits(source, edits)
