"""Terraform built-in functions (interim layout while the registry is split out)."""
from __future__ import annotations

from natpolicy.hcl.functions.collection import FUNCTIONS, file_functions, fn

__all__ = ["FUNCTIONS", "fn", "file_functions"]
