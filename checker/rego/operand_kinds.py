"""What each OPA builtin checks of its operands before it computes: the kinds whose absence is an error.

Read from each builtin's implementation in OPA's ``v1/topdown`` (``builtins.StringOperand``,
``ObjectOperand``, the type switches that end in ``NewOperandTypeErr``), not from its declared
type alone: a name is listed only where every value outside the kind makes the builtin fail,
and a kind is only as deep as this table can say exactly (``concat`` checks each element is a
string: ``strings``; ``object.union_n`` each element is an object: ``objects``), or, for a few,
as deep as the value: the text ``json.unmarshal`` reads (``json_text``), the value ``to_number``
reads (``numeric``) and a regular expression Go compiles (``pattern``). An operand
OPA takes whatever it is (``object.get``'s key, ``json.marshal``'s value) is ``None``, and a
builtin that answers ``false`` instead of failing (``regex.is_valid``, ``json.is_valid``,
``net.cidr_is_valid``, ``semver.is_valid``), that fails only on values, not kinds, or that takes
every kind at run time whatever its declared type is absent: ``uuid.rfc4122`` hashes any value,
and ``net.cidr_contains_matches`` answers ``set()`` for an operand that is no string, array, set
or object (topdown/cidr.go). ``json.match_schema`` is left out too: the kinds it reads have
changed between OPA releases (the current source reads an array as well).

Each entry was checked against the ``v1/topdown`` source and measured on both engines: a value of
every other kind given to each listed operand stops regorus unguarded and is undefined guarded on
both (tests/test_rego_operand_kinds.py; ``scripts/rego_differential.py --kinds`` prints it all).

``natpolicy.rego.builtin_errors`` guards each listed operand, so that a call given a value of
another kind is undefined, as in OPA's default mode, instead of stopping the query.
"""
from __future__ import annotations

from natpolicy.rego.numbers_opa import GO_FLOAT_TEXT
from natpolicy.rego.regopy_patterns import HELD_UNLIKE

__all__ = ["OPERAND_KINDS", "GUARDS", "GUARD_FALLBACKS", "GUARD_PARAMETER", "GUARD_PREFIX"]

GUARD_PREFIX = "__natpolicy_if_"
# Each guard's parameter. regopy_strings leaves a string builtin given it as it is: the guards below read regopy's
# escaped form of a string knowingly (it holds a backslash, which no text a value guard lets through holds).
GUARD_PARAMETER = "__natpolicy_x"

# The Rego body of each guard (its argument `{x}`, a local `{e}`): the value passes through only where it holds.
# Several bodies are several definitions of one function (never two outputs: each passes `x` itself). Elements
# are read in a set comprehension, whose order nothing shows: an array comprehension over a set is read sorted
# on regopy (regopy_rewrite), which stops on a set of sets or objects (union's own operand).
_EACH = "{{{e} | {e} := {x}[_]; not {test}({e})}} == set()"


def _elements(test: str, *collections: str) -> tuple[str, ...]:
    return tuple(f"{collection}({{x}}); " + _EACH.replace("{test}", test) for collection in collections)


_HELD_UNLIKE = HELD_UNLIKE.replace("{", "{{").replace("}", "}}")  # (the bodies are format strings)
# strconv.ParseFloat's range error (atof.go): decimal text whose value rounds to infinity, at or past
# 2^1024 - 2^970 (halfway from the largest float64 to 2^1024, which rounds up: its mantissa is odd). Its significant
# digits (no leading zeros) and the power of ten of the first, `e10`, tell it exactly: past 308, or 308 with digits
# at or above the threshold's (compared as text: digit strings order as the fractions 0.d1d2...). Underscores go,
# as Go drops them; an exponent of more digits than regopy reads exactly stops there (loud).
_THRESHOLD = str(2**1024 - 2**970)
# (over several lines, appended after the policy's: regorus refuses a line past 1,024 columns; no `some ... in`,
# which a Rego v0 module reads only with `import future.keywords.in`: the exponent is `p[1]`, 0 where there is none)
_OVERFLOWS = (
    'not contains(lower({x}), "x")\n  {e}t := replace(trim_left({x}, "+-"), "_", "")\n'
    '  {e}p := split(lower({e}t), "e")\n  {e}m := split({e}p[0], ".")\n  {e}d := concat("", {e}m)\n'
    '  {e}s := trim_left({e}d, "0")\n  {e}s != ""\n'
    '  {e}x := sum([to_number(trim_left({e}v, "+")) | {e}v := {e}p[1]])\n'
    '  {e}top := concat("", [\n' + "".join(f'    "{_THRESHOLD[i:i + 100]}",\n' for i in range(0, 309, 100))
    + '  ])\n  {e}x + count({e}m[0]) - 1 - count({e}d) + count({e}s) + to_number({e}s >= {e}top) > 308\n')

GUARDS: dict[str, tuple[str, ...]] = {
    "string": ("is_string({x})",),
    "number": ("is_number({x})",),
    "object": ("is_object({x})",),
    "array": ("is_array({x})",),
    "set": ("is_set({x})",),
    "collection": ("is_array({x})", "is_set({x})"),
    "countable": ("is_string({x})", "is_array({x})", "is_set({x})", "is_object({x})"),
    "keys": ("is_array({x})", "is_set({x})", "is_object({x})"),
    "time": ("is_number({x})", "is_array({x})"),
    "strings": _elements("is_string", "is_array", "is_set"),
    "numbers": _elements("is_number", "is_array", "is_set"),
    "sets": _elements("is_set", "is_set"),
    "objects": _elements("is_object", "is_array"),
    "prefixes": ("is_string({x})", *_elements("is_string", "is_array", "is_set")),
    "delimiters": ("is_null({x})", *_elements("is_string", "is_array")),
    # Text json.unmarshal reads (json_text) and a value to_number reads (numeric): kinds OPA checks by the value.
    # OPA's util.UnmarshalJSON decodes the first value and then asks the decoder for one more token, which must be
    # the end: json.Valid's grammar, except that Go's Token() answers nil for a `null` after the value too
    # (json.unmarshal("[1] null") is [1]). So text json.is_valid refuses passes on where it holds "null" (below; the
    # engines stop there, loud). json.is_valid is OPA's on regorus (json_valid_opa); regopy 1.5.2's agrees with
    # Go's where it answers, and stops on text holding a \u escape (measured against Go on 15,000 texts).
    "json_text": ("is_string({x}); json.is_valid({x})",),
    # to_number (casts.go): null, a boolean, a number, or text strconv.ParseFloat reads but Inf and NaN, and
    # without a range error: decimal text whose value rounds past a float64 ("1e400", "-2e308") fails too (below).
    # Hexadecimal text passes on (the engines stop on it: numbers_opa, regopy_builtins).
    "numeric": ("is_null({x})", "is_boolean({x})", "is_number({x})",
                f"is_string({{x}}); regex.match(`{GO_FLOAT_TEXT}`, {{x}}); count([1 | {_OVERFLOWS}]) == 0"),
    # The operands of OPA's arithmetic (builtin_errors): `-` takes two numbers or two sets; a divisor of `/` or `%`
    # is a number that is not zero, of any form (0.0 == 0 on both engines, measured).
    "difference": ("is_number({x})", "is_set({x})"),
    # A regular expression (regex.go: getRegexp fails on a pattern Go's RE2 refuses). regex.is_valid is Go's on
    # regorus (re2_regorus: the operand is written as Go reads it); regopy reads a pattern HELD_UNLIKE finds
    # otherwise than Go (regopy_patterns): such a pattern passes on, and the call stops on it at the policy's line.
    "pattern": ("is_string({x}); regex.is_valid({x})",),
    "divisor": ("is_number({x}); {x} != 0",),
    # `%` exists for integers only (arithmetic.go, opRem: "modulo on floating-point number"), of any form: 2.0 is
    # one (NumberToInt is exact). round() tells them on both engines below 2^53; past it every float is an integer,
    # where regopy's round() answers otherwise (the fallback below lets them through).
    "integer": ("is_number({x}); round({x}) == {x}",),
    "integer_divisor": ("is_number({x}); round({x}) == {x}; {x} != 0",),
}
# A body tried only where the guard's own fails (an `else`: a second definition would run on every call, and
# HELD_UNLIKE is a long pattern), which lets the value through all the same.
GUARD_FALLBACKS: dict[str, str] = {
    "integer": f"is_number({{x}}); abs({{x}}) >= {2**53}",
    "integer_divisor": f"is_number({{x}}); abs({{x}}) >= {2**53}",
    # (regex.match, which no engine renames: a stop elsewhere in the module never names this line as a cause)
    "json_text": 'is_string({x}); regex.match("null", {x})',
    "pattern": f"is_string({{x}}); regex.match(`{_HELD_UNLIKE}`, {{x}})",
}

_S, _N, _O, _A = "string", "number", "object", "array"


def _each(names: str, kinds: tuple[str | None, ...]) -> dict[str, tuple[str | None, ...]]:
    return {name: kinds for name in names.split()}


OPERAND_KINDS: dict[str, tuple[str | None, ...]] = {
    # strings (v1/topdown/strings.go)
    **_each("lower upper trim_space strings.reverse", (_S,)),
    **_each("contains startswith endswith indexof indexof_n split strings.count trim trim_left trim_right "
            "trim_prefix trim_suffix", (_S, _S)),
    "replace": (_S, _S, _S),
    "substring": (_S, _N, _N),
    "format_int": (_N, _N),
    "concat": (_S, "strings"),
    "sprintf": (_S, _A),
    "strings.replace_n": (_O, _S),
    **_each("strings.any_prefix_match strings.any_suffix_match", ("prefixes", "prefixes")),
    # regular expressions and globs (regex.go, glob.go)
    **_each("regex.match regex.split", ("pattern", _S)),
    "regex.globs_match": (_S, _S),
    **_each("regex.find_n regex.find_all_string_submatch_n", ("pattern", _S, _N)),
    "regex.replace": (_S, "pattern", _S),
    "regex.template_match": (_S, _S, _S, _S),
    "glob.match": (_S, "delimiters", _S),
    "glob.quote_meta": (_S,),
    # aggregates, arrays, sets (aggregates.go, array.go, sets.go)
    "count": ("countable",),
    **_each("max min sort", ("collection",)),
    **_each("sum product", ("numbers",)),
    "array.concat": (_A, _A),
    "array.slice": (_A, _N, _N),
    "array.reverse": (_A,),
    **_each("union intersection", ("sets",)),
    # any two collections or objects; a pair OPA cannot compare ({} with []) still stops (subset.go)
    "object.subset": ("keys", "keys"),
    # objects and JSON documents (object.go, json.go)
    "object.get": (_O, None, None),
    "object.keys": (_O,),
    **_each("object.remove object.filter", (_O, "keys")),
    "object.union": (_O, _O),
    "object.union_n": ("objects",),
    **_each("json.filter json.remove", (_O, "collection")),
    "json.patch": (None, _A),
    "json.unmarshal": ("json_text",),
    # yaml.unmarshal fails on text go-yaml v2 cannot read; what natpolicy's reading refuses (yaml_opa) and
    # regopy's YAML 1.2 stop too, so only its kind is guarded and the rest still stops
    "yaml.unmarshal": (_S,),
    **_each("graph.reachable graph.reachable_paths", (_O, "collection")),
    "json.marshal_with_options": (None, _O),
    # numbers and conversions (arithmetic.go, numbers.go, bits.go, casts.go)
    **_each("abs ceil floor round", (_N,)),
    "numbers.range_step": (_N, _N, _N),
    **_each("numbers.range bits.and bits.or bits.xor bits.lsh bits.rsh", (_N, _N)),
    "bits.negate": (_N,),
    "to_number": ("numeric",),
    "rand.intn": (_S, _N),
    # encodings and hashes (encoding.go, crypto.go)
    **_each("base64.encode base64.decode base64url.encode base64url.encode_no_pad base64url.decode hex.encode "
            "hex.decode urlquery.encode urlquery.decode urlquery.decode_object crypto.md5 crypto.sha1 crypto.sha256",
            (_S,)),
    "urlquery.encode_object": (_O,),
    **_each("crypto.x509.parse_certificates crypto.x509.parse_and_verify_certificates "
            "crypto.x509.parse_certificate_request crypto.x509.parse_rsa_private_key crypto.parse_private_keys "
            "io.jwt.decode uuid.parse", (_S,)),
    "crypto.x509.parse_keypair": (_S, _S),
    **_each("crypto.hmac.md5 crypto.hmac.sha1 crypto.hmac.sha256 crypto.hmac.sha512 crypto.hmac.equal", (_S, _S)),
    # time, units, networks, versions (time.go, units.go, cidr.go, semver.go)
    **_each("time.parse_rfc3339_ns time.parse_duration_ns units.parse units.parse_bytes", (_S,)),
    "time.parse_ns": (_S, _S),
    # a number of nanoseconds or [ns, zone(, layout)]: tzTime, which time.add_date reads too, although OPA
    # declares its first operand a number (only a literal array is a type error)
    **_each("time.date time.clock time.weekday time.format", ("time",)),
    "time.diff": ("time", "time"),
    "time.add_date": ("time", _N, _N, _N),
    **_each("net.cidr_contains net.cidr_intersects", (_S, _S)),
    "net.cidr_expand": (_S,),
    "net.cidr_merge": ("collection",),
    "semver.compare": (_S, _S),
}
