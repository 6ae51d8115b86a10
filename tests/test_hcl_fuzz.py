"""Fuzz: random HCL expressions through the whole CLI, in every output format.

Whatever a pull request writes, a run ends with exit 0, 1 or 2, never an
internal error, and never prints a sensitive variable's value. The
expressions come from the property tests' writer (tests/test_hcl_expr.py),
with the sensitive variable where they put an unknown; a small evaluation
budget (the config's ``hcl-budget``) and few examples keep this under ~20 s.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CliResult
from test_hcl_expr import expressions

# An open IPv6 range written out in full: the SG rules print an open source
# range, so a leak would show it, and nothing else in a report looks like it.
SECRET = "0:0:0:0:0:0:0:0/0"
FORMATS = ["text", "json", "sarif", "github", "markdown"]

MODULE = """
variable "secret" {{
  type      = string
  sensitive = true
  default   = "{secret}"
}}
locals {{
  x = {expr}
}}
resource "aws_security_group" "sg" {{
  name        = "sg"
  description = local.x
  tags        = {{ v = {expr} }}
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", {expr}]
    ipv6_cidr_blocks = [{expr}]
    description = "${{local.x}}"
  }}
}}
resource "aws_ebs_volume" "v" {{
  availability_zone = {expr}
  encrypted         = local.x == "" ? false : true
  size              = 8
}}
"""
BUDGET = "hcl-budget:\n  steps: 20000\n  size: 200000\n  instances: 50\n"


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(expressions("var.secret", ["var.secret", "local.x", "upper(var.secret)", 'split("", var.secret)']),
       st.sampled_from(FORMATS))
def test_random_expressions_end_cleanly_and_never_print_the_secret(cli: Callable[..., CliResult], expr: str,
                                                                   fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".natpolicy.yaml").write_text(BUDGET, encoding="utf-8")
        (root / "main.tf").write_text(MODULE.format(secret=SECRET, expr=expr), encoding="utf-8")
        result = cli("check", str(root), "-f", fmt, "-v")
    assert result.code in (0, 1, 2), (expr, result.err)
    assert "Traceback" not in result.err and "internal error" not in result.err.lower(), (expr, result.err)
    assert SECRET not in result.out + result.err, (expr, fmt)


def test_the_marker_would_be_seen_if_it_were_not_sensitive(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MODULE.format(secret=SECRET, expr="var.secret").replace(
        "sensitive = true", "sensitive = false"), encoding="utf-8")
    for fmt in FORMATS:
        assert SECRET in cli("check", str(tmp_path), "-f", fmt).out, fmt
