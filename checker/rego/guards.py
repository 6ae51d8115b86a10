"""Refuse, before anything runs, what an engine would answer differently from OPA.

``tests/test_rego_conformance.py`` runs OPA's answers (``tests/rego_probes``)
on every installed engine; each construct an engine gets wrong, and that can
be seen in the source, is refused here with one line naming the construct and
its line, instead of being answered silently. Builtins an engine lacks are
refused by ``builtins`` (the engine itself is asked); these are the rest.

Both engines: unsafe variables (``static_checks``), ``y :=`` of a name its
body met before (``redeclared``), a rule defined both as one value and by
parts (``rule_conflicts``), a rule that reaches itself through the rules it refers to
(``recursion``), an import named like a rule of its package, which OPA reads as the import
(``import_names``; and on regorus a rule read through an import of its own package), a ``default``
rule whose value holds a ref, a variable or a call or whose arguments are no lone variables
(``default_rules``), the type errors OPA
infers (``type_check``), calls into ``data`` no loaded rule defines and
functions defined with two arities (``undefined_functions``), which OPA
refuses in any rule and they only where a query reaches; ``# METADATA``
blocks OPA's parser refuses and they read as comments (``metadata_blocks``).

Both engines, too: number literals they hold otherwise than OPA (``number_literals``: no float64
of their own, ``1e400``; past 15 digits on regopy; integers past 64 bits on regorus); ``walk`` with
one argument (a relation in OPA), which regopy answers with every pair as one array and regorus with
no pair in a comprehension.

regorus 0.13.0: ``some x`` declarations it reads differently
(``regorus_some``); an object pattern holding a variable it binds there
(``some {"type": t} in input.rs``), which it matches against an object
holding more keys, where OPA does not (``regorus_patterns``). Its ``sprintf``
is replaced by OPA's (``sprintf_opa``); what that cannot reproduce is refused here (``*`` widths, ``[n]`` argument
indexes, ``%p``) or stops the query with its line. (Its other
known gaps, heads that compute, declarations that run twice and ``not``
over ``_``, are worked around: ``regorus_heads``, ``regorus_some``,
``regorus_negation``.)

Both: a literal regular expression Go's RE2 refuses (``a**``, ``(a{100}){100}``), which both engines take
(``re2_regorus``); on regorus, a ``regex.*`` builtin replaced with ``with``.

regopy 1.5.2:

* a variable bound inside a builtin call's argument (``some i;
  startswith(input.rs[i].type, "aws_")``) never matches, nor one first bound
  there or in a collection literal without ``some``: bound before its statement
  (``regopy_hoist``), refused where that cannot be done (``regopy_first_binding``);
* ``time.parse_rfc3339_ns`` is silently undefined, ``trace`` fails;
* sprintf calls its rewrite cannot answer as OPA (``sprintf_regopy``);
  ``with`` aborts it (``source``);
* the same ``some x`` declarations as regorus (``regorus_some``);
* a comprehension's ``some n in`` / ``n :=`` of a name the body around it
  has bound: regopy binds the outer variable (``regopy_shadow``);
* a literal holding `"`, `\\` or a control character given to a builtin that reads
  strings in their escaped form (``regopy_strings``);
* a comparison across kinds whose operand holds ``_`` where no rewrite reaches it (``regopy_compare``);
* a bracket inside a comprehension holding a variable bound outside it by a ref, a function argument or
  the like, which regopy binds afresh (``regopy_closures``);
* a name an earlier ``else`` branch bound, bound again by a ref in a later one: regopy keeps the failed
  branch's value (``regopy_else_names``);
* a ``\\u`` escape of a lone surrogate in a string literal, which it keeps as six characters
  (``surrogate_escapes``);
* a rule that is no function called as one (``r(1)`` of ``r := input.x``, which OPA passes): rego-cpp aborts
  the process compiling it (``regopy_rule_calls``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence

from natpolicy.errors import InputError
from natpolicy.rego.builtin_errors import replaced_builtins
from natpolicy.rego.comprehension_heads import unbound_head_keys
from natpolicy.rego.default_rules import default_rule_refusals
from natpolicy.rego.else_chains import bodyless_else_refusals, variable_head_else_refusals
from natpolicy.rego.head_key_functions import head_key_functions
from natpolicy.rego.import_names import import_refusals
from natpolicy.rego.loading import PolicyFile
from natpolicy.rego.metadata_blocks import metadata_refusals
from natpolicy.rego.metadata_redeclared import metadata_redeclarations
from natpolicy.rego.negated_operands import moved_names, negated_operand_refusals
from natpolicy.rego.number_literals import number_literal_refusals, unary_minus_refusals
from natpolicy.rego.number_texts import call_readings, elements_of, whole_float
from natpolicy.rego.re2_regorus import re2_mock_refusals, re2_refusals
from natpolicy.rego.recursion import recursive_rules
from natpolicy.rego.redeclared import redeclarations
from natpolicy.rego.ref_head_conflicts import keyed_extent_refusals, ref_head_conflicts
from natpolicy.rego.regopy_hoist import hoisted_names, unhoisted
from natpolicy.rego.regopy_keys import literal_key_refusals, mentioned_names
from natpolicy.rego.regorus_packages import whole_package_refusals
from natpolicy.rego.regorus_patterns import object_pattern_refusals
from natpolicy.rego.regorus_some import some_refusals
from natpolicy.rego.rule_conflicts import rule_conflicts
from natpolicy.rego.self_keyed import self_keyed_refusals
from natpolicy.rego.source import Token, char_line_col, dotted_name, matching_close, scan_module, tokens
from natpolicy.rego.sprintf_regopy import sprintf_edits
from natpolicy.rego.static_checks import negated_declarations, unsafe_variables
from natpolicy.rego.type_check import type_errors
from natpolicy.rego.undefined_functions import arity_conflicts, undefined_calls
from natpolicy.rego.with_targets_opa import with_target_refusals
from natpolicy.rego.yaml_opa import replaced_yaml_calls

__all__ = ["refuse_for_engine", "engine_refusals"]

# A verb as Go reads it: flags, width, precision, an argument index, the verb.
_VERB = re.compile(r"%(?P<flags>[-+# 0]*)(?P<width>\d+|\*)?(?:\.(?P<prec>\d+|\*))?(?P<index>\[\d+\])?(?P<verb>.?)")
_BROKEN_BUILTINS = {
    "regopy": {"time.parse_rfc3339_ns": "is silently undefined on regopy 1.5.2, where OPA answers",
               "trace": "fails on regopy 1.5.2 (Function not found), where OPA answers",
               # regopy reads numbers of another width than Go's layout element takes; regorus' text is checked
               # against Go's grammar in Python (time_parse_opa), which regopy has no hook for.
               "time.parse_ns": "answers text Go's time.Parse refuses on regopy 1.5.2 (\"2020-03-4\" for the "
                                "layout 2006-01-02: an error in OPA)"},
}
_LABEL = {"regorus": "regorus 0.13.0", "regopy": "regopy 1.5.2"}


def refuse_for_engine(policies: Sequence[PolicyFile], engine: str) -> None:
    """Raise ``InputError`` at the first construct ``engine`` would answer differently from OPA."""
    # A bare name in a body refers to the rules, functions and imports of its package, in any of its files.
    names: dict[str, set[str]] = {}
    for policy in policies:
        names.setdefault(policy.package, set()).update(policy.info.rules, policy.info.import_aliases)
    for n, policy in enumerate(policies):
        # OPA types a rule from its definitions in every file of its package.
        others = [other.source for m, other in enumerate(policies) if m != n and other.package == policy.package]
        # A call to `data.<package>.f` of another package is checked against that function's arity.
        elsewhere = [other.source for other in policies if other.package != policy.package]
        for offset, message in engine_refusals(policy.source, engine, names[policy.package], others, elsewhere):
            line, col = char_line_col(policy.source, offset)
            raise InputError(f"{policy.display}:{line}:{col}", message)
    if engine == "regorus":  # a package read whole, whose later files regorus answers otherwise there
        for policy, offset, message in whole_package_refusals(policies):
            line, col = char_line_col(policy.source, offset)
            raise InputError(f"{policy.display}:{line}:{col}", message)


def engine_refusals(source: str, engine: str, package_names: set[str] | None = None,
                    package_sources: Sequence[str] = (), loaded_sources: Sequence[str] = ()) -> list[tuple[int, str]]:
    """(character offset, message) of every construct of ``source`` refused on ``engine``.

    ``package_names``: the rules, functions and imports of the module's package
    in all its files (default: this module's own); ``package_sources``: the
    package's other files, whose rule definitions the type check reads too;
    ``loaded_sources``: the other packages' files (their functions' arities).
    """
    if engine not in _LABEL:
        return []  # opa is the reference itself
    toks = tokens(source)
    # regorus answers a number's text through renamed sprintf and to_number calls, which a `with` cannot replace.
    replaced = replaced_builtins([source, *package_sources, *loaded_sources]) & {
        "sprintf", "to_number", "yaml.unmarshal", "json.unmarshal"} \
        if engine == "regorus" and "with" in "".join([source, *package_sources, *loaded_sources]) else set()
    out = list(_sprintf_formats(source, toks, engine, texts="sprintf" not in replaced))
    if "to_number" in replaced:
        out.extend(_replaced_to_number(source, toks, mentioned_names([*package_sources, *loaded_sources])))
    if replaced & {"yaml.unmarshal", "json.unmarshal"}:
        out.extend(replaced_yaml_calls(source))  # regorus reads YAML through json.unmarshal (yaml_opa)
    if package_names is None:
        info = scan_module(source)
        package_names = set(info.rules) | info.import_aliases
    out.extend(some_refusals(source, package_names, _LABEL[engine]))
    # What OPA refuses at compile time in any rule, where these engines check only what a query reaches.
    out.extend(negated_declarations(toks))
    out.extend(unsafe_variables(source, package_names))
    out.extend(redeclarations(source, package_names))
    out.extend(type_errors(source, package_names, package_sources, loaded_sources))
    out.extend(undefined_calls(source, [*package_sources, *loaded_sources]))
    out.extend(arity_conflicts(source, package_sources))
    out.extend(rule_conflicts(source, package_sources))
    out.extend(ref_head_conflicts(source, package_sources))  # `q.b := 1` beside `q.b.c := 1`
    out.extend(head_key_functions(source, package_sources))  # `s[r] := 1` beside a function `r(x)`
    out.extend(bodyless_else_refusals(source))  # `else := 2 else := 3`: OPA's parse error
    out.extend(variable_head_else_refusals(source))  # `y[k] := 1 if { ... } else := 2`: OPA's parse error
    out.extend(recursive_rules(source, package_sources, loaded_sources))
    out.extend(with_target_refusals(source, package_sources, loaded_sources))  # `with data.p.q.r as`, `print`
    out.extend(import_refusals(source, engine, package_sources))
    out.extend(default_rule_refusals(source))
    out.extend(metadata_refusals(source))
    out.extend(metadata_redeclarations(source, [*package_sources, *loaded_sources]))
    out.extend(re2_refusals(toks))  # a literal pattern Go's RE2 refuses, which both engines read
    out.extend(negated_operand_refusals(source, package_names))  # operands OPA binds outside a `not`, unwritable
    out.extend(self_keyed_refusals(source, engine, _LABEL[engine]))  # `some k, k in xs`, `some k; k = xs[k]`
    out.extend(unbound_head_keys(source, package_names, engine))  # `[xs[i] | some i]`: regopy answered []
    if engine == "regorus":
        out.extend(object_pattern_refusals(source, package_names))
        out.extend(keyed_extent_refusals(source, package_sources))  # `q.k := 1` beside `q[k] := v`
        out.extend(re2_mock_refusals(toks))
    out.extend(_one_argument_walks(toks, _LABEL[engine]))
    out.extend(_runtime_calls(toks, _LABEL[engine]))
    out.extend(number_literal_refusals(toks, engine, source, texts="sprintf" not in replaced))
    out.extend(unary_minus_refusals(toks))  # `-input.n`: OPA's parser refuses it, regopy negated it
    out.extend(_zone_abbreviation_layouts(toks, engine))
    if engine == "regopy":
        out.extend(_regopy_refusals(source, toks, package_names, package_sources, loaded_sources))
        from natpolicy.rego.regopy_rule_calls import rules_called_as_functions
        # `r(1)` of `r := input.x`: rego-cpp aborts the process compiling it. Where OPA refuses that call itself
        # (its arity, a rule of one type), the refusal already at its place is OPA's, and the one to give.
        taken = {offset for offset, _ in out}
        out.extend(found for found in rules_called_as_functions(source, package_names, package_sources,
                                                                 loaded_sources) if found[0] not in taken)
    broken = _BROKEN_BUILTINS.get(engine, {})
    for i, tok in enumerate(toks):
        name = _dotted(toks, i)
        if name in broken and _is_call(toks, i, name):
            out.append((tok.offset, f"{name} {broken[name]}; natpolicy refuses it "
                                    "(run the policy with --rego-engine regorus)"))
    return sorted(out)


def _regopy_refusals(source: str, toks: list[Token], package_names: set[str], package_sources: Sequence[str],
                     loaded_sources: Sequence[str]) -> list[tuple[int, str]]:
    """What regopy alone answers otherwise than OPA. Its modules are imported here, on a regopy run only: a run on
    regorus (the default) does not pay their import."""
    from natpolicy.rego.regopy_alias_patterns import alias_pattern_refusals
    from natpolicy.rego.regopy_closures import rebound_closures
    from natpolicy.rego.regopy_compare import wildcard_comparisons
    from natpolicy.rego.regopy_else_names import reused_else_names
    from natpolicy.rego.regopy_first_binding import first_bound_inside
    from natpolicy.rego.regopy_shadow import shadowing_declarations
    from natpolicy.rego.regopy_strings import literal_refusals
    from natpolicy.rego.surrogate_escapes import lone_surrogates

    out: list[tuple[int, str]] = []
    out.extend((p.offset, p.message) for p in scan_module(source).problems if p.kind == "with")
    out.extend(_bound_in_call_arguments(source, toks, package_names))
    out.extend(first_bound_inside(source, package_names))
    out.extend(alias_pattern_refusals(source, package_names))  # `[a] = [b]` before a binds (regopy_alias_patterns)
    out.extend(shadowing_declarations(source))
    out.extend(literal_refusals(toks))
    # `{1: "a", "1": "b"}`: one key to regopy; `{1: 4}` compared: equal to `{"1": 4}` there (regopy_keys)
    out.extend(literal_key_refusals(toks, source, mentioned_names([*package_sources, *loaded_sources])))
    out.extend(wildcard_comparisons(source, toks))
    out.extend(rebound_closures(source))
    out.extend(reused_else_names(source, package_names))  # a failed branch's name kept for the next
    out.extend(lone_surrogates(toks))
    return out


def _dotted(toks: list[Token], i: int) -> str:
    if toks[i].kind != "ident" or (i > 0 and toks[i - 1].text == "."):
        return ""
    return dotted_name(toks, i, len(toks))[0]


def _is_call(toks: list[Token], i: int, name: str) -> bool:
    j = i + 2 * name.count(".") + 1
    return j < len(toks) and toks[j].text == "("


def _sprintf_formats(source: str, toks: list[Token], engine: str, texts: bool = True
                     ) -> Iterator[tuple[int, str]]:
    for i, tok in enumerate(toks):
        if _dotted(toks, i) != "sprintf" or not _is_call(toks, i, "sprintf"):
            continue
        literal = _whole_float_literal(toks, i, texts)
        if literal is not None:
            yield literal.offset, (f"number {literal.text} in a sprintf argument: OPA formats it as a float64 "
                                   f"(`%d` of {literal.text} is `%!d(float64=...)`), {_LABEL[engine]} as an integer; "
                                   "natpolicy refuses it: write it as an integer")
            continue
        if engine == "regopy":
            _, refused = sprintf_edits(source, toks, i)
            if refused is not None:
                yield tok.offset, refused
            continue
        # regorus runs OPA's sprintf itself (sprintf_opa); only what that does not reproduce is refused.
        fmt = toks[i + 2] if i + 2 < len(toks) else None
        if fmt is None or fmt.kind not in ("string", "raw"):
            continue  # a computed format: formatted exactly, or stopped on its line (sprintf_go)
        for match in _VERB.finditer(fmt.text[1:-1].replace("%%", "")):
            if "*" in match.group() or match.group("index") or match.group("verb") in ("p", "["):
                yield fmt.offset, (f"sprintf verb {match.group()!r}: natpolicy does not reproduce OPA's `*` widths, "
                                   "[n] argument indexes or %p; write the width or the argument order out")
                break


def _replaced_to_number(source: str, toks: list[Token], elsewhere: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Each ``to_number`` whose text may show, in a set replacing ``to_number`` with ``with``: regorus answers it
    through a renamed call (number_texts_regorus), which the replacement would not reach."""
    for i, reading in call_readings(source, toks, elsewhere).items():
        if reading != "value":
            yield toks[i].offset, ("to_number whose result may show its text, in a policy set that replaces "
                                   "to_number with `with`: natpolicy answers such a call under another name, which "
                                   "the replacement would not reach; natpolicy refuses it on regorus 0.13.0")


def _whole_float_literal(toks: list[Token], i: int, texts: bool) -> Token | None:
    """A number such as ``1.0``, ``1e2`` or ``-0.0`` among the arguments of the sprintf call at ``i``."""
    # OPA hands sprintf a float64 for a number written with a fraction or an exponent; both engines read a
    # whole one as an integer. An element of a literal argument array is handed with its text to natpolicy's
    # sprintf on regorus (number_texts_regorus), and formatted by the rewrite itself on regopy (sprintf_regopy);
    # one inside an element is printed as Rego text there. ``texts``: no `with` replaces sprintf in the set.
    close = matching_close(toks, i + 1)
    elements = {e.first for e in elements_of(toks, i) if e.first == e.last} if texts else set()
    for k in range(i + 2, close if close is not None else i + 2):
        tok = toks[k]
        if tok.kind == "number" and whole_float(tok.text) and k not in elements:
            return tok
    return None


def _runtime_calls(toks: list[Token], label: str) -> Iterator[tuple[int, str]]:
    """``opa.runtime()``: OPA answers its own version, commit, config and the process environment; each engine
    answers its own fields (regorus lists its builtins, regopy rego-cpp's commit), and natpolicy runs policies
    with an empty environment, so a policy reading a variable would find none where OPA finds it."""
    for i in range(len(toks)):
        if _dotted(toks, i) == "opa.runtime" and _is_call(toks, i, "opa.runtime"):
            yield toks[i].offset, (f"opa.runtime(): {label} answers its own fields, never OPA's version, commit or "
                                   "config, and natpolicy hands policies no environment (a scanned repository's "
                                   "policy must not read the runner's secrets); natpolicy refuses it: pass settings "
                                   "with --data")


def _one_argument_walks(toks: list[Token], label: str) -> Iterator[tuple[int, str]]:
    """``walk(x)`` with its output as the call's value: in OPA a relation, one [path, value] pair per solution
    (``p := walk(o)`` iterates them; a rule ``x := walk(o)`` conflicts). regopy 1.5.2 gives all pairs as one
    array, and regorus 0.13.0 no pair at all in a comprehension (``[p | p := walk(o)]`` is ``[]``; measured)."""
    for i, tok in enumerate(toks):
        if _dotted(toks, i) != "walk" or not _is_call(toks, i, "walk"):
            continue
        close = matching_close(toks, i + 1)
        if close is not None and not any(t.text == "," and t.depth == toks[i + 1].depth + 1
                                         for t in toks[i + 2:close]):
            yield tok.offset, (f"walk with one argument is a relation in OPA (one [path, value] pair per solution), "
                               f"which {label} answers otherwise (regopy: every pair as one array; regorus: no pair "
                               "in a comprehension): write walk(x, [path, value])")


# Go's layouts holding the zone abbreviation MST (time.UnixDate, RFC822, RFC850, RFC1123), by OPA's names for them.
_MST_LAYOUTS = frozenset({"UnixDate", "RFC822", "RFC850", "RFC1123"})


def _zone_abbreviation_layouts(toks: list[Token], engine: str) -> Iterator[tuple[int, str]]:
    """``time.parse_ns`` with a layout holding ``MST``: Go's ``time.Parse`` reads a zone abbreviation by the zone of
    the machine OPA runs on (one it does not know, ``PST`` on a UTC machine, as offset 0; topdown/time.go), which
    neither engine follows (regorus reads ``PST`` as -08:00, regopy gives nothing; measured). On regorus a layout
    that is no literal is refused too: it cannot be checked before it runs (regopy's is, when it runs); and so is
    one holding a non-ASCII character, on which regorus panics."""
    for i, tok in enumerate(toks):
        if _dotted(toks, i) != "time.parse_ns" or not _is_call(toks, i, "time.parse_ns") or i + 5 >= len(toks):
            continue
        layout, after = toks[i + 4], toks[i + 5]
        text = _literal_text(layout) if after.text == "," else None
        if text is not None and ("MST" in text or text in _MST_LAYOUTS):
            yield tok.offset, ("time.parse_ns with a layout holding the zone abbreviation MST: OPA reads it by the "
                               "zone of the machine it runs on (an unknown one, such as PST on a UTC machine, as "
                               f"+00:00), which {_LABEL[engine]} does not; parse a numeric offset (-0700, Z07:00)")
        elif text is None and engine == "regorus":
            yield tok.offset, ("time.parse_ns with a layout that is no string literal: regorus 0.13.0 reads the "
                               "zone abbreviation MST otherwise than OPA, which natpolicy checks in a literal only; "
                               "write the layout as a literal")
        elif text is not None and not text.isascii() and engine == "regorus":
            # regorus slices the layout by bytes and panics inside a character of several (measured: "é2006");
            # Go's time.Parse reads it. Text a layout of ASCII is given never matches beyond it, in Go too.
            yield tok.offset, ("time.parse_ns with a layout holding a non-ASCII character: regorus 0.13.0 reads the "
                               "layout byte by byte and panics, where OPA (Go's time.Parse) reads it; natpolicy "
                               "refuses it: write the layout in ASCII, or run with --rego-engine opa")


def _literal_text(tok: Token) -> str | None:
    if tok.kind not in ("string", "raw"):
        return None
    try:
        text = json.loads(tok.text) if tok.kind == "string" else tok.text[1:-1]
    except ValueError:
        return None
    return text if isinstance(text, str) else None


def _bound_in_call_arguments(source: str, toks: list[Token], package_names: set[str]) -> Iterator[tuple[int, str]]:
    """``f(x[i])`` where ``i`` is ``_``, or declared by a bare ``some i`` and not bound before the call, which
    ``regopy_hoist`` does not bind before the statement, nor ``negated_operands`` before its ``not``."""
    hoisted, left = hoisted_names(source) | moved_names(source, package_names), unhoisted(source)
    for i, tok in enumerate(toks):
        name = _dotted(toks, i)
        if not name or not _is_call(toks, i, name) or tok.depth == 0:
            continue
        body = max(k for k in range(i) if toks[k].depth == 0)  # the `{` (or `if`) opening this rule's body
        unbound = {"_"} | _declared_unbound(toks[body + 1:i])
        open_at = i + 2 * name.count(".") + 1
        depth = toks[open_at].depth
        j = open_at + 1
        comprehension_end = -1  # a comprehension is a query of its own: a `_` in it is bound there, as regopy does
        while j < len(toks) and not (toks[j].text == ")" and toks[j].depth == depth):
            if j > comprehension_end and toks[j].text in ("[", "{") and _opens_comprehension(toks, j):
                comprehension_end = matching_close(toks, j) or j
            wildcard_inside = j < comprehension_end and j + 1 < len(toks) and toks[j + 1].text == "_"
            if toks[j].text == "[" and j + 2 < len(toks) and toks[j + 1].text in unbound and toks[j + 2].text == "]" \
                    and not wildcard_inside and toks[j + 1].offset not in hoisted:
                why = left.get(toks[j + 1].offset, "where natpolicy cannot bind it first")
                yield tok.offset, (f"`{toks[j + 1].text}` is bound inside the argument of {name}(...), {why}: regopy "
                                   f"1.5.2 never matches such a call, where OPA does; bind it first "
                                   f"(`v := x[{toks[j + 1].text}]`, then {name}(v, ...)) or run on regorus")
                break
            j += 1


def _opens_comprehension(toks: list[Token], at: int) -> bool:
    close = matching_close(toks, at)
    return close is not None and any(t.text == "|" and t.depth == toks[at].depth + 1 for t in toks[at + 1:close])


def _declared_unbound(body: list[Token]) -> set[str]:
    """Names a bare ``some`` declares in ``body`` that nothing in ``body`` has bound since."""
    declared: set[str] = set()
    used: set[str] = set()
    k = 0
    while k < len(body):
        if body[k].text == "some":
            names, j = [], k + 1
            while j < len(body) and body[j].kind == "ident" and body[j].text != "in":
                names.append(body[j].text)
                j += 2 if j + 1 < len(body) and body[j + 1].text == "," else 1
                if body[j - 1].text != ",":
                    break
            if j >= len(body) or body[j].text != "in":
                declared.update(names)
                k = j
                continue
        if body[k].kind == "ident":
            used.add(body[k].text)
        k += 1
    return declared - used
