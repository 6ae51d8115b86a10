"""Terraform built-in functions, grouped by the categories of Terraform's documentation.

One module per category: numeric, string, collection, encoding, filesystem,
hash_crypto, ip_network, type_conversion (no date and time function is
evaluated: a call to one is reported and its result is unknown). ``try`` and
``can`` are special forms of the evaluator, not functions. Argument reading
shared by all is in :mod:`~natpolicy.loaders.hcl.functions.arguments`.

Importing this package registers every function in
:data:`natpolicy.loaders.hcl.functions.registry.FUNCTIONS`; the file functions need a
directory and a renderer for ``templatefile``, so :func:`file_functions`
builds them per configuration.
"""
from __future__ import annotations

# Each category module registers its functions with @fn when imported.
from natpolicy.loaders.hcl.functions import (  # noqa: F401
    collection,
    encoding,
    hash_crypto,
    ip_network,
    numeric,
    string,
    type_conversion,
)
from natpolicy.loaders.hcl.functions.filesystem import file_functions
from natpolicy.loaders.hcl.functions.registry import FUNCTIONS, fn

__all__ = ["FUNCTIONS", "fn", "file_functions"]
