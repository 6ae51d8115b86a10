"""Which Rego engine runs: the registry of engines, the default, and the fallback.

Each engine is one module implementing :class:`~natpolicy.rego.engine.RegoEngine`:

* ``regorus`` (``gordon-to-regorus``, Microsoft's Rust interpreter): the
  default wherever its wheel installs (the ``rego`` extra has environment
  markers for its abi3 wheels);
* ``regopy`` (rego-cpp): the fallback, wherever regorus is missing;
* ``opa``: an ``opa`` binary found on PATH, run as ``opa eval``.

Every engine runs in the child process of ``natpolicy.rego.sandbox``. The
checking process loads one library only: regorus' extension module, in
:func:`choose_engine`, to see whether it loads here at all (a wheel built for
a newer glibc fails only when imported: ``importlib.util.find_spec`` finds it
all the same, so it cannot replace the import). Importing it runs nothing of
a policy and starts no thread; a forked child (``fork_child``) then has it
without importing it again. rego-cpp (regopy) is never loaded there.
"""
from __future__ import annotations

import importlib
from typing import Any

from natpolicy.rego.dist_version import installed_version
from natpolicy.rego.engine import EngineUnavailable, RegoEngine

__all__ = ["ENGINES", "ENGINE_CLASSES", "DEFAULT_ENGINE", "FALLBACK_ENGINE", "engine_problem", "create_engine",
           "choose_engine", "installed_engines", "engine_options", "installed_version"]

# name -> (distribution, the exact version verified by tests/test_rego_conformance.py);
# the opa binary has no distribution: any `opa` on PATH is used.
ENGINES: dict[str, tuple[str, str]] = {
    "regorus": ("gordon-to-regorus", "0.13.0"),
    "regopy": ("regopy", "1.5.2"),
    "opa": ("", ""),
}
# name -> (the module implementing it, its class): what create_engine makes, and the module the Rego child
# imports before its job comes (child.main), so the two cannot name different modules.
ENGINE_CLASSES: dict[str, tuple[str, str]] = {
    "regorus": ("natpolicy.rego.engine_regorus", "RegorusEngine"),
    "regopy": ("natpolicy.rego.engine_regopy", "RegopyEngine"),
    "opa": ("natpolicy.rego.engine_opa", "OpaEngine"),
}
DEFAULT_ENGINE = "regorus"
FALLBACK_ENGINE = "regopy"


def engine_problem(name: str) -> str | None:
    """Why engine ``name`` cannot run here, or ``None``; never loads a library.

    Loading rego-cpp initialises its allocator, which aborts the whole process
    under an address-space limit: the checking process itself must not.
    """
    if name not in ENGINES:
        return f"unknown Rego engine {name!r}; choose one of {', '.join(ENGINES)}"
    if name == "opa":
        import shutil  # here only: shutil (bz2, lzma) is about 2 ms of the child's start, which never runs opa

        return None if shutil.which("opa") else "--rego-engine opa needs an `opa` binary on PATH"
    distribution, wanted = ENGINES[name]
    version = installed_version(distribution)
    if version is None:
        return f"Rego needs the optional dependency {distribution}=={wanted}: pip install 'natpolicy[rego]'"
    if version != wanted:
        # Other versions may fix or change the quirks guarded against; refuse
        # rather than produce subtly different findings.
        return (f"natpolicy is verified against {distribution}=={wanted}, found {version}; "
                f"pip install '{distribution}=={wanted}'")
    return None


def _regorus_imports() -> str | None:
    """Why the installed regorus wheel does not load here (an older glibc), or ``None``."""
    try:
        import regorus  # noqa: F401  (a Rust extension: loading it runs nothing of a policy)
    except ImportError as exc:
        return f"regorus does not load here ({exc})"
    return None


def choose_engine(requested: str | None) -> tuple[str, list[str]]:
    """(engine name, notes) for ``--rego-engine`` / the ``rego-engine`` key (``None``: the default).

    An engine asked for by name must be usable, or the run stops with its
    problem (``InputError``); the default falls back to regopy with a note.
    """
    from natpolicy.errors import InputError

    if requested:
        problem = engine_problem(requested) or (_regorus_imports() if requested == "regorus" else None)
        if problem is not None:
            raise InputError("rego", problem)
        return requested, []
    problem = engine_problem(DEFAULT_ENGINE) or _regorus_imports()
    if problem is None:
        return DEFAULT_ENGINE, []
    fallback = engine_problem(FALLBACK_ENGINE)
    if fallback is not None:
        raise InputError("rego", fallback if "natpolicy[rego]" not in problem else problem)
    return FALLBACK_ENGINE, [f"Rego runs on {FALLBACK_ENGINE}: {problem}"]


def installed_engines() -> list[str]:
    """Every engine that can run here (for the conformance suite and the benchmarks)."""
    return [name for name in ENGINES if engine_problem(name) is None
            and (name != "regorus" or _regorus_imports() is None)]


def create_engine(name: str, options: dict[str, Any] | None = None) -> RegoEngine:
    """A fresh engine; ``options`` come from the parent (the opa binary's path: the child has no PATH)."""
    options = options or {}
    if name not in ENGINE_CLASSES:
        raise EngineUnavailable(f"unknown Rego engine {name!r}")
    module, class_name = ENGINE_CLASSES[name]
    engine_class = getattr(importlib.import_module(module), class_name)
    engine: RegoEngine
    if name == "opa":
        import shutil

        engine = engine_class(str(options.get("binary") or shutil.which("opa") or "opa"),
                              strict_builtin_errors=bool(options.get("strict_builtin_errors")))
    else:
        engine = engine_class()
    return engine


def engine_options(name: str) -> dict[str, Any]:
    """What the child needs to create engine ``name`` (resolved here, where PATH is)."""
    import shutil

    return {"binary": shutil.which("opa")} if name == "opa" else {}
