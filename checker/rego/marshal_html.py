"""``json.marshal`` as OPA writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped (and, on regorus, its numbers).

OPA's ``json.marshal`` and ``json.marshal_with_options`` are Go's
``encoding/json`` (``json.Marshal``/``json.MarshalIndent``, topdown/encoding.go),
which escapes those five characters inside strings (`"<b>"` becomes
`"\\u003cb\\u003e"`); regorus and regopy write them as they are (measured). A
plan's values often hold them (`&&` in user data, `&` in a URL, `<` in a
policy document), so a message built from ``json.marshal`` would differ.
Each such call is wrapped, on the same line, in a function that escapes the
five in the text the engine wrote. That is exact: JSON has no `<`, `>` or `&`
outside a string, and the escape of each holds none of the five.
``yaml.marshal`` is left alone: OPA writes JSON first and YAML from it, which
undoes the escapes. On regorus the call is wrapped in go_json_numbers' extension
first, which writes the text's numbers as Go's ``encoding/json`` writes a float64.

``json.marshal_with_options`` writes its ``prefix`` and ``indent`` as they are in Go (``json.MarshalIndent``
indents the escaped text with them, ``encoding/json`` ``Indent``, and OPA's ``builtinJSONMarshalWithOpts``
puts the prefix before the first line too), so the escape must not touch them; and regopy writes them as a
JSON string's content (an indent ``"\t"`` comes out as the two characters ``\t``, measured). So where the
``prefix`` or ``indent`` holds one of the five (or a stand-in's letter), the option object is handed to the
call with both as stand-ins, ``X`` + its UTF-8 in hex spelled with the letters ``G``-``V`` + ``X``, which
regorus writes as they are, and the text is rebuilt line by line (about 90 us a line; other options cost one
escape, as before): the stand-ins at its start (every line starts with the prefix, then the indent once per level;
a JSON value starts with no capital letter, and its text holds a line break only between lines) become the
options' text again, and the rest is escaped. A call with other than two arguments is wrapped as
``json.marshal`` is (the engine refuses it).
"""
from __future__ import annotations

from natpolicy.rego.go_json_numbers import NUMBERS_EXTENSION
from natpolicy.rego.source import apply_edits_as_listed, call_arguments, matching_close, tokens

__all__ = ["ESCAPE_HTML", "escape_html_in_marshals"]

ESCAPE_HTML = "__natpolicy_json_html"
_MARSHALS = frozenset({"marshal", "marshal_with_options"})
# A function without a body reads alike in Rego v0 and v1. U+2028 and U+2029 stand in the literals as themselves.
_HELPER = (f'{ESCAPE_HTML}(__natpolicy_s) := replace(replace(replace(replace(replace(__natpolicy_s, '
           '"&", "\\\\u0026"), "<", "\\\\u003c"), ">", "\\\\u003e"), "\u2028", "\\\\u2028"), "\u2029", "\\\\u2029")\n')
_WITH_OPTIONS = "__natpolicy_json_html_lines"  # the text of json.marshal_with_options, rebuilt
_OPTIONS = "__natpolicy_json_opts"  # its options, with the stand-ins


def _hex_to_letters(text: str, reverse: bool = False) -> str:
    """Rego replacing each hex digit of ``text`` by a letter G-V (or back): no letter is a hex digit, so one
    replace after another never meets what an earlier one wrote."""
    for digit, letter in zip("0123456789abcdef", "GHIJKLMNOPQRSTUV", strict=True):
        old, new = (letter, digit) if reverse else (digit, letter)
        text = f'replace({text}, "{old}", "{new}")'
    return text


# Each function has no body, so it reads alike in Rego v0 and v1: a choice is an object.get by the value's type, or
# a comprehension's condition where only one side may run. The prefix and indent get stand-ins only where one of
# them holds one of the five (or a stand-in's letter), and only a text holding a stand-in (at a line's start: a
# JSON value starts none with a capital) is rebuilt line by line: the common options cost one escape, as before.
_STAND_INS = "GHIJKLMNOPQRSTUVX"
# A prefix or indent holding a number's character could join a number of the text (prefix `1` before `1e-6`), which
# go_json_numbers would then misread: such options get the stand-ins too (their lines are rebuilt apart).
_NUMBER_MARKS = "0123456789-+.eE"
_ENCODED = _hex_to_letters("hex.encode(__natpolicy_json_str(__natpolicy_v))")
_DECODED = _hex_to_letters("__natpolicy_p", reverse=True)
_HELPER_WITH_OPTIONS = (
    f'{_OPTIONS}(__natpolicy_o) := object.get({{"object": {{__natpolicy_k: __natpolicy_json_opt(__natpolicy_k, '
    '__natpolicy_v, __natpolicy_json_need(__natpolicy_o)) | __natpolicy_v := __natpolicy_json_obj(__natpolicy_o)'
    '[__natpolicy_k]}}, type_name(__natpolicy_o), __natpolicy_o)\n'
    '__natpolicy_json_obj(__natpolicy_o) := object.get({"object": __natpolicy_o}, type_name(__natpolicy_o), {})\n'
    '__natpolicy_json_str(__natpolicy_v) := object.get({"string": __natpolicy_v}, type_name(__natpolicy_v), "")\n'
    # Stand-ins for both, where either holds one of the five or a letter of the stand-ins.
    '__natpolicy_json_need(__natpolicy_o) := count([1 | __natpolicy_v := __natpolicy_json_obj(__natpolicy_o)'
    '[__natpolicy_k]; object.get({"prefix": true, "indent": true}, __natpolicy_k, false); '
    f'__natpolicy_c := split("<>&\u2028\u2029{_STAND_INS}{_NUMBER_MARKS}", "")[_]; '
    'contains(__natpolicy_json_str(__natpolicy_v), __natpolicy_c)]) > 0\n'
    '__natpolicy_json_opt(__natpolicy_k, __natpolicy_v, __natpolicy_n) := object.get({'
    '"prefix": concat("", ["X", __natpolicy_json_enc(__natpolicy_v), "X"]), '
    '"indent": concat("", ["X", __natpolicy_json_enc(__natpolicy_v), "X"])}, '
    'object.get({true: __natpolicy_k}, [__natpolicy_n, type_name(__natpolicy_v)] == [true, "string"], ""), '
    '__natpolicy_v)\n'
    f'__natpolicy_json_enc(__natpolicy_v) := {_ENCODED}\n'
    f'{_WITH_OPTIONS}(__natpolicy_t) := concat("", array.concat([{ESCAPE_HTML}(__natpolicy_t) | '
    'not __natpolicy_json_stood(__natpolicy_t)], [__natpolicy_json_lines(__natpolicy_t) | '
    '__natpolicy_json_stood(__natpolicy_t)]))\n'
    '__natpolicy_json_stood(__natpolicy_t) := contains(concat("", ["\\n", __natpolicy_t]), "\\nX")\n'
    '__natpolicy_json_lines(__natpolicy_t) := concat("\\n", [__natpolicy_json_line(__natpolicy_l) | '
    '__natpolicy_l := split(__natpolicy_t, "\\n")[_]])\n'
    '__natpolicy_json_line(__natpolicy_l) := concat("", [__natpolicy_json_lead(substring(__natpolicy_l, 0, '
    f'count(__natpolicy_l) - count(trim_left(__natpolicy_l, "{_STAND_INS}")))), '
    f'{ESCAPE_HTML}(trim_left(__natpolicy_l, "{_STAND_INS}"))])\n'
    '__natpolicy_json_lead(__natpolicy_s) := concat("", [hex.decode(__natpolicy_json_dec(__natpolicy_p)) | '
    '__natpolicy_p := split(__natpolicy_s, "X")[_]])\n'
    f'__natpolicy_json_dec(__natpolicy_p) := {_DECODED}\n')


def escape_html_in_marshals(source: str, options_apart: bool = True, numbers: bool = False) -> str:
    """``source`` with each ``json.marshal(...)`` and ``json.marshal_with_options(...)`` wrapped in ESCAPE_HTML;
    ``options_apart``: the latter's prefix and indent kept apart from the escape (False: regopy, which stops on a
    prefix or indent the escape would reach, regopy_builtins, and could not rebuild the text: it reads a line
    holding `"` in its JSON-escaped form); ``numbers``: the text's numbers are written as Go writes them first, by
    go_json_numbers' extension on the call's own line, so that its stop names that line (regorus only)."""
    if "marshal" not in source:  # the common case pays only this test
        return source
    toks = tokens(source)
    edits: list[tuple[int, str]] = []
    with_options = False
    numbers_open, numbers_close = (f"{NUMBERS_EXTENSION}(", ")") if numbers else ("", "")
    for i in range(len(toks) - 3):
        if toks[i].text != "json" or toks[i + 1].text != "." or toks[i + 2].text not in _MARSHALS \
                or toks[i + 3].text != "(" or (i > 0 and toks[i - 1].text == "."):
            continue
        close = matching_close(toks, i + 3)
        if close is None:
            continue
        arguments = call_arguments(toks, i + 3)
        if options_apart and toks[i + 2].text == "marshal_with_options" and len(arguments) == 2 \
                and arguments[1][0] <= arguments[1][1]:
            options = arguments[1]
            edits += [(toks[i].offset, f"{_WITH_OPTIONS}({numbers_open}"), (toks[options[0]].offset, f"{_OPTIONS}("),
                      (toks[options[1]].offset + len(toks[options[1]].text), ")"),
                      (toks[close].offset + 1, numbers_close + ")")]
            with_options = True
        else:
            edits += [(toks[i].offset, f"{ESCAPE_HTML}({numbers_open}"), (toks[close].offset + 1, numbers_close + ")")]
    if not edits:
        return source
    out = apply_edits_as_listed(source, [(offset, offset, text) for offset, text in edits])
    return out + ("" if out.endswith("\n") else "\n") + _HELPER + (_HELPER_WITH_OPTIONS if with_options else "")
