"""OPA's ``semver.is_valid`` and ``rand.intn``, in Python, for regorus (``add_extension`` replaces its own).

``semver.is_valid`` (topdown/semver.go, internal/semver ``Parse``): after the first ``+`` build metadata
and after the first ``-`` a pre-release, each empty or dot-separated runs of ``[0-9A-Za-z-]``; then three
dot-separated integers Go's ``strconv.ParseInt`` reads (leading zeros too, within int64). So
``1.0.0-``, ``1.0.0+``, ``01.0.0`` and ``1.0.0-01`` are valid in OPA, where regorus said false (measured).
A leading ``v``, which OPA's newest parser drops and older 1.x releases refuse, stops the query.

``rand.intn`` (topdown/numbers.go ``builtinRandIntn``): 0 for n = 0, and a negative n counts as -n
(regorus was undefined); one value per text and n within a query (OPA caches ``"%s-%d"``): here within
the engine, which serves one run. A number that is no integer stops, as in OPA.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

__all__ = ["opa_semver_is_valid", "rand_intn_for_engine"]

_IDENTIFIERS = re.compile(r"[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*\Z")
_INTEGER = re.compile(r"[0-9]+\Z")  # what ParseInt reads once `+` and `-` are cut away
_INT64_MAX = 2**63 - 1


def opa_semver_is_valid(version: Any) -> bool:
    if not isinstance(version, str):
        return False  # OPA: false for any value that is no string
    if version.startswith("v"):
        raise ValueError("semver.is_valid of a version starting with v: OPA's newest releases drop the v, older 1.x "
                         "releases refuse it, so natpolicy refuses it: drop the v, or run with --rego-engine opa")
    version, _, metadata = version.partition("+")
    version, _, pre_release = version.partition("-")
    if any(part and not _IDENTIFIERS.match(part) for part in (metadata, pre_release)):
        return False
    numbers = version.split(".")
    return len(numbers) == 3 and all(_INTEGER.match(n) and int(n) <= _INT64_MAX for n in numbers)


def rand_intn_for_engine() -> Callable[[Any, Any], int]:
    """OPA's ``rand.intn`` with its own cache: one per regorus engine."""
    cache: dict[str, int] = {}
    source = random.SystemRandom()

    def opa_rand_intn(text: Any, bound: Any) -> int:
        if not isinstance(text, str):
            raise TypeError("rand.intn: operand 1 must be string")
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or bound != int(bound):
            raise TypeError("rand.intn: operand 2 must be integer number")
        bound = abs(int(bound))
        if bound == 0:
            return 0
        return cache.setdefault(f"{text}-{bound}", source.randrange(bound))

    return opa_rand_intn
