"""regopy and google-re2 in one process: rego-cpp aborts on a named time zone when google-re2 was loaded first.

Measured with regopy 1.5.2 and google-re2 1.1.20251105 ("free(): invalid pointer"). natpolicy evaluates Rego in a
child process that never loads google-re2 (the HCL reader's), so only the test suite, which runs regopy in its own
process, runs a regopy query that names a time zone in a process of its own (tests/conftest.py).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from natpolicy.rego.engines import installed_engines

pytestmark = pytest.mark.skipif("regopy" not in installed_engines(), reason="regopy is not installed here")

_ZONE = ('from natpolicy.rego.engines import create_engine\n'
         'e = create_engine("regopy")\n'
         'c = e.compile({"p.rego": "package p\\n\\nx := time.format([1577836800120000000, \\"Europe/Paris\\"])\\n"},'
         ' None, ["p/x"])\n'
         'print(e.evaluate(c, "p/x", e.prepare_input({})))\n')


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_a_zone_answers_when_google_re2_is_loaded_after_regopy() -> None:
    run = _python("import regopy\nimport re2\n" + _ZONE)
    assert run.returncode == 0 and run.stdout.strip() == "2020-01-01T01:00:00.12+01:00", run.stderr[-300:]


def test_the_rego_child_never_loads_google_re2() -> None:
    # The child evaluates with regopy in a process of its own: nothing there may load google-re2 first.
    run = _python("import sys\nimport natpolicy.rego.child\n" + _ZONE + "print('re2' in sys.modules)\n")
    assert run.returncode == 0 and run.stdout.split()[-1] == "False", run.stderr[-300:]
