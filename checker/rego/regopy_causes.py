"""What a stop of natpolicy's functions on regopy may have come from, named from the functions the policy reaches.

natpolicy's functions appended to a module for regopy (``regopy_rewrite``, ``sprintf_regopy``,
``regopy_compare``, ``regopy_builtins``) stop a query where regopy would answer otherwise than OPA, by a
conflict (``REFUSE``): regopy's message then says "functions must not produce multiple outputs", never which
function gave up. So the message lists the causes, but only those whose refusing function the policy's own
lines reach, directly or through the functions they call: a policy that only joins a set with ``concat``
is not told about ``sprintf``'s numbers or comparisons of arrays.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from natpolicy.rego.regopy_compare import COMPARE
from natpolicy.rego.regopy_patterns import patterns_refused
from natpolicy.rego.regopy_rewrite import SORT

__all__ = ["helpers_reached", "refusal_causes"]

_HELPER = re.compile(r"^__natpolicy_\w+", re.MULTILINE)  # an appended function's definition starts a line
_NAME = re.compile(r"\b__natpolicy_\w+")
_FORMATS = frozenset({"__natpolicy_fmt_s", "__natpolicy_fmt_v", "__natpolicy_fmt_d", "__natpolicy_fmt_int",
                      "__natpolicy_fmt_frac", "__natpolicy_fmt_float"})  # sprintf_regopy's number formats
# (the functions that refuse, the cause), in the order the message names them.
_VALUE_CAUSES = (
    (_FORMATS, "a sprintf argument that is a non-integer from 1e6 up or with 16 or more digits, an integer past "
               "2^53, anything but a number given to a float verb or a non-integer to %d with a width"),
    (frozenset({"__natpolicy_fmt_q", "__natpolicy_fmt_pad"}), "a value given to sprintf's %q or to a width on %s "
                                                                "or %v that is not a string of printable ASCII "
                                                                "without `\"` or `\\`"),
    (frozenset({SORT}), "an array, object or set inside a set that is sorted or iterated"),
    (frozenset({"__natpolicy_fmt_text"}), "a control character, or another character Go prints escaped (DEL, "
                                          "U+00A0, U+200B), in a string inside an array, set or object given to "
                                          "sprintf, an object keyed by a number, boolean or null there, or a "
                                          "non-integer regopy writes with other digits or an integer past 2^53 "
                                          "there, or a set there regopy lists otherwise (one holding an array, "
                                          "object or set, a string holding `\"` or `\\`, or a string that starts "
                                          "another going on with a space or `!`)"),
    (frozenset({COMPARE}), "two arrays, objects or sets compared with <, <=, > or >="),
)


def helpers_reached(originals: Mapping[str, str], compiled: Mapping[str, str]) -> frozenset[str]:
    """The appended functions the policy's own lines call, and those they call in turn.

    ``compiled`` holds each module of ``originals`` as rewritten for regopy: its own lines first (the
    rewrites keep them in place), then the appended functions, each definition starting a line.
    """
    reached: set[str] = set()
    calls: dict[str, set[str]] = {}
    for name, text in compiled.items():
        own = originals[name].rstrip("\n").count("\n") + 1
        lines = text.split("\n")
        reached.update(_NAME.findall("\n".join(lines[:own])))
        appended = "\n".join(lines[own:])
        starts = list(_HELPER.finditer(appended))
        ends = [start.start() for start in starts[1:]] + [len(appended)] * bool(starts)
        for start, end in zip(starts, ends, strict=True):
            calls.setdefault(start.group(), set()).update(_NAME.findall(appended[start.end():end]))
    pending = list(reached)
    while pending:
        for callee in calls.get(pending.pop(), ()):
            if callee not in reached:
                reached.add(callee)
                pending.append(callee)
    return frozenset(reached)


def refusal_causes(reached: frozenset[str], string_sites: Sequence[tuple[str, str]], strings_where: str,
                   bytewise: bool, builtins: Sequence[str]) -> str:
    """The causes to append to regopy's conflict message: ``" (or: ...; run with --rego-engine regorus)"``, or ""
    where the policy reaches no refusing function (the conflict is its own).

    ``string_sites``: (module:line, builtin) of the calls that check a string regopy holds escaped;
    ``strings_where``: where the first such string of the input or data is (``"; the first ..."``, or "");
    ``bytewise``: one of those calls reads non-ASCII text otherwise; ``builtins``: the rewritten builtins'
    and arithmetic's causes, worded (``"or regex.replace at p.rego:3 given ..."``).
    """
    parts = []
    values = [cause for helpers, cause in _VALUE_CAUSES if helpers & reached]
    if values:
        parts.append("a value regopy 1.5.2 prints or orders otherwise than OPA, which natpolicy refuses: "
                     + "; ".join(values))
    calls = ", ".join(f"{builtin} at {site}" for site, builtin in string_sites[:5])
    more = " and more" if len(string_sites) > 5 else ""
    where = [verb for verb, helper in (("compared", COMPARE), ("sorted", SORT)) if helper in reached]
    if calls:
        where.append(f"given to {calls}{more}")
    if where:
        said = ", ".join(where[:-1]) + (" or " if len(where) > 1 else "") + where[-1]
        parts.append(f"a string holding `\"`, `\\` or a control character{' (or non-ASCII text)' if bytewise else ''}"
                     f" {said}: regopy 1.5.2 reads such a string in its JSON-escaped form (count(\"a\\\"b\") is 4 "
                     f"there, 3 in OPA){strings_where}" + patterns_refused(list(string_sites)))
    parts.extend(builtins)
    said = "; ".join(parts).removeprefix("or ")  # a builtin named first follows "(or: " itself
    return f" (or: {said}; run with --rego-engine regorus)" if parts else ""
