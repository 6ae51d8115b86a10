"""The :class:`~natpolicy.rego.engine.RegoEngine` on an ``opa`` binary: ``opa eval`` on temporary files.

For users who have OPA itself: the reference semantics, at the price of one
``opa`` process per query. The modules, the data and each input are written
once into a private temporary directory; ``opa check`` reports compile errors
up front; ``opa capabilities`` lists the builtins. The binary's path is found
by the checking process (the sandboxed child has no PATH) and it runs with
an empty environment, like every engine.
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from natpolicy.records import field, record
from natpolicy.rego.conftest_numbers import conftest_document
from natpolicy.rego.engine import UNDEFINED, EvaluationError, PolicySyntaxError

__all__ = ["OpaEngine"]

# Each opa process is bounded on its own too (the sandbox's limit covers the
# whole run, but would leave a grandchild behind when it stops the child).
_TIMEOUT = 600.0
_LOCATION = re.compile(r"^(?P<module>.+?):(?P<line>\d+): (?:rego_\w+: )?(?P<message>.+)$")


class OpaEngine:
    name = "opa"
    reads_rego_v0 = True  # `opa eval --v0-compatible` on a policy set holding Rego v0

    def __init__(self, binary: str, strict_builtin_errors: bool = False) -> None:
        self.binary = binary
        # `opa eval` makes a failing builtin undefined unless told otherwise (natpolicy's --strict-builtin-errors).
        self._strict = ["--strict-builtin-errors"] if strict_builtin_errors else []
        self._dir = tempfile.TemporaryDirectory(prefix="natpolicy-opa-")
        self._count = 0
        self._builtins: set[str] | None = None

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.binary, *args], capture_output=True, text=True, env={}, timeout=_TIMEOUT,
                              cwd=self._dir.name, check=False)

    def _new_dir(self, kind: str) -> Path:
        self._count += 1
        path = Path(self._dir.name) / f"{kind}{self._count}"
        path.mkdir()
        return path

    def prepare_input(self, document: Any) -> Any:
        path = self._new_dir("input") / "input.json"
        # opa eval keeps a file's number text; conftest hands OPA float64s (conftest_numbers).
        path.write_text(json.dumps(conftest_document(document)), encoding="utf-8")
        return path

    def is_builtin(self, name: str) -> bool:
        if self._builtins is None:
            out = self._run(["capabilities", "--current"])
            self._builtins = {b["name"] for b in json.loads(out.stdout or "{}").get("builtins", [])}
        return name in self._builtins

    def compile(self, modules: Mapping[str, str], data: Mapping[str, Any] | None, entrypoints: Sequence[str],
                rego_version: str = "v1") -> Any:
        if not entrypoints:
            raise EvaluationError("nothing to evaluate: no rule was chosen as an entrypoint", "no_entrypoints")
        base = self._new_dir("bundle")
        names: dict[str, str] = {}
        for i, (name, source) in enumerate(modules.items()):
            # Module names are display paths: written under numbered names, mapped back in errors.
            target = base / f"m{i}.rego"
            target.write_text(source, encoding="utf-8")
            names[str(target)] = name
        if data:
            (base / "data.json").write_text(json.dumps(data), encoding="utf-8")
        version = ["--v0-compatible"] if rego_version == "v0" else []
        out = self._run(["check", *version, str(base)])
        if out.returncode != 0:
            raise _compile_error(out.stderr + out.stdout, names, modules)
        return _Compiled(base, version)

    def evaluate(self, compiled: Any, entrypoint: str, prepared_input: Any) -> Any:
        query = "data." + ".".join(entrypoint.split("/"))
        out = self._run(["eval", *compiled.version, *self._strict, "--format", "json", "-d", str(compiled.base),
                         "-i", str(prepared_input), query])
        if out.returncode != 0:
            raise EvaluationError(" ".join((out.stderr or out.stdout).split())[:500] or "opa eval failed")
        results = json.loads(out.stdout or "{}").get("result") or []
        if not results:
            return UNDEFINED
        return results[0]["expressions"][0]["value"]


@record
class _Compiled:
    base: Path
    version: list[str] = field(default_factory=list)


def _compile_error(text: str, names: dict[str, str], modules: Mapping[str, str]) -> Exception:
    for line in text.splitlines():
        match = _LOCATION.match(line.strip())
        if match and match.group("module") in names:
            name = names[match.group("module")]
            lines = modules[name].split("\n")
            offset = len("\n".join(lines[:int(match.group("line")) - 1]).encode("utf-8")) + (
                1 if int(match.group("line")) > 1 else 0)
            return PolicySyntaxError(name, offset, 1, match.group("message"))
    return EvaluationError(" ".join(text.split())[:500] or "opa check failed")
