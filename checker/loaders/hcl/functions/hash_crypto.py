"""Terraform's hash functions over strings (``md5``, ``sha256``, ``base64sha256``...)."""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from natpolicy.loaders.hcl.functions.arguments import text
from natpolicy.loaders.hcl.functions.registry import fn

__all__: list[str] = []


def _digest(name: str) -> Callable[[Any], Any]:
    def digest(value: Any) -> Any:
        return hashlib.new(name, text(value).encode()).hexdigest()

    return digest


for _name in ("md5", "sha1", "sha256", "sha512"):
    fn(_name)(_digest(_name))


@fn("base64sha256")
def _base64sha256(value: Any) -> Any:
    return base64.b64encode(hashlib.sha256(text(value).encode()).digest()).decode()
