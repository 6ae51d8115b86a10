"""What each OPA builtin checks of its operands before it computes: the kinds whose absence is an error.

Read from each builtin's implementation in OPA's ``v1/topdown`` (``builtins.StringOperand``,
``ObjectOperand``, the type switches that end in ``NewOperandTypeErr``), not from its declared
type alone: a name is listed only where every value outside the kind makes the builtin fail,
and a kind is only as deep as this table can say exactly (``concat`` checks each element is a
string: ``strings``; ``object.union_n`` checks its elements too, listed as ``array`` only, so an
element of another kind still stops the query rather than being guessed undefined). An operand
OPA takes whatever it is (``object.get``'s key, ``json.marshal``'s value) is ``None``, and a
builtin that answers ``false`` instead of failing (``regex.is_valid``, ``json.is_valid``,
``net.cidr_is_valid``, ``semver.is_valid``) or that fails only on values, not kinds, is absent.

``natpolicy.rego.builtin_errors`` guards each listed operand, so that a call given a value of
another kind is undefined, as in OPA's default mode, instead of stopping the query.
"""
from __future__ import annotations

__all__ = ["OPERAND_KINDS", "GUARDS", "GUARD_PREFIX"]

GUARD_PREFIX = "__natpolicy_if_"

# The Rego body of each guard (its argument `{x}`, a local `{e}`): the value passes through only where it holds.
# Several bodies are several definitions of one function (never two outputs: each passes `x` itself).
GUARDS: dict[str, tuple[str, ...]] = {
    "string": ("is_string({x})",),
    "number": ("is_number({x})",),
    "object": ("is_object({x})",),
    "array": ("is_array({x})",),
    "set": ("is_set({x})",),
    "collection": ("is_array({x})", "is_set({x})"),
    "countable": ("is_string({x})", "is_array({x})", "is_set({x})", "is_object({x})"),
    "keys": ("is_array({x})", "is_set({x})", "is_object({x})"),
    "scalar": ("is_null({x})", "is_boolean({x})", "is_number({x})", "is_string({x})"),
    "time": ("is_number({x})", "is_array({x})"),
    "strings": ("is_array({x}); [{e} | {e} := {x}[_]; not is_string({e})] == []",
                "is_set({x}); [{e} | {e} := {x}[_]; not is_string({e})] == []"),
    "numbers": ("is_array({x}); [{e} | {e} := {x}[_]; not is_number({e})] == []",
                "is_set({x}); [{e} | {e} := {x}[_]; not is_number({e})] == []"),
    "sets": ("is_set({x}); [{e} | {e} := {x}[_]; not is_set({e})] == []",),
    "prefixes": ("is_string({x})", "is_array({x}); [{e} | {e} := {x}[_]; not is_string({e})] == []",
                 "is_set({x}); [{e} | {e} := {x}[_]; not is_string({e})] == []"),
    "delimiters": ("is_null({x})", "is_array({x}); [{e} | {e} := {x}[_]; not is_string({e})] == []"),
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
    **_each("regex.match regex.split regex.globs_match", (_S, _S)),
    **_each("regex.find_n regex.find_all_string_submatch_n", (_S, _S, _N)),
    "regex.replace": (_S, _S, _S),
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
    # objects and JSON documents (object.go, json.go)
    "object.get": (_O, None, None),
    "object.keys": (_O,),
    **_each("object.remove object.filter", (_O, "keys")),
    "object.union": (_O, _O),
    "object.union_n": (_A,),
    **_each("json.filter json.remove", (_O, "collection")),
    "json.patch": (None, _A),
    **_each("json.unmarshal yaml.unmarshal", (_S,)),
    "graph.reachable": (_O, "collection"),
    # numbers and conversions (arithmetic.go, numbers.go, bits.go, casts.go)
    **_each("abs ceil floor round", (_N,)),
    **_each("numbers.range bits.and bits.or bits.xor bits.lsh bits.rsh", (_N, _N)),
    "bits.negate": (_N,),
    "to_number": ("scalar",),
    "rand.intn": (_S, _N),
    # encodings and hashes (encoding.go, crypto.go)
    **_each("base64.encode base64.decode base64url.encode base64url.encode_no_pad base64url.decode hex.encode "
            "hex.decode urlquery.encode urlquery.decode urlquery.decode_object crypto.md5 crypto.sha1 crypto.sha256",
            (_S,)),
    "urlquery.encode_object": (_O,),
    **_each("crypto.hmac.md5 crypto.hmac.sha1 crypto.hmac.sha256 crypto.hmac.sha512 crypto.hmac.equal", (_S, _S)),
    # time, units, networks, versions (time.go, units.go, cidr.go, semver.go)
    **_each("time.parse_rfc3339_ns time.parse_duration_ns units.parse units.parse_bytes", (_S,)),
    "time.parse_ns": (_S, _S),
    **_each("time.date time.clock time.weekday time.format", ("time",)),
    "time.diff": ("time", "time"),
    "time.add_date": (_N, _N, _N, _N),
    **_each("net.cidr_contains net.cidr_intersects", (_S, _S)),
    "net.cidr_expand": (_S,),
    "net.cidr_merge": ("collection",),
    "semver.compare": (_S, _S),
}
