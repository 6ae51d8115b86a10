"""Terraform's filesystem functions: ``basename``/``dirname`` and the file readers, bound to a directory.

The file hash functions (``filemd5``...) are here rather than with the
hashes, as they read files through the same :class:`FileScope`.
"""
from __future__ import annotations

import base64
import hashlib
import json
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from natpolicy.loaders.hcl.file_scope import FileScope, Refused
from natpolicy.loaders.hcl.fileset_glob import compile_glob, glob_match
from natpolicy.loaders.hcl.functions.arguments import mapping, text
from natpolicy.loaders.hcl.functions.registry import FUNCTIONS, fn
from natpolicy.loaders.hcl.values import EvalError, TfSet, Withheld
from natpolicy.model import UNKNOWN

__all__ = ["file_functions"]


# templatefile's renderer: (template text, variables, functions, report) -> the rendered text.
# The evaluator provides it (natpolicy.loaders.hcl.expr.render_template_file): passed in, so the
# function modules never import the evaluator, which imports them.
TemplateRenderer = Callable[
    [str, dict[str, Any], dict[str, Callable[..., Any]], "Callable[[str, str | None], None] | None"], Any]


def file_functions(base_dir: Path, scope: FileScope,
                   report: Callable[[str, str | None], None] | None = None, *,
                   render_template: TemplateRenderer) -> dict[str, Callable[..., Any]]:
    """``file``, ``fileset``, ``templatefile``... relative to ``base_dir``, reading only what ``scope`` allows.

    A path ``scope`` refuses (outside the configuration, under ``.git/`` or
    ``.terraform/``, not tracked by git) makes the value unknown, and the
    evaluator reports the refusal with the call's place: neither the content
    nor whether the file exists ever reaches a report. ``report`` receives
    what templates leave unevaluated; ``render_template`` renders them.
    """

    def refused(func: str, name: Any, reason: Refused, verb: str = "read", more: str = "") -> Withheld:
        return Withheld(f"{func}({json.dumps(text(name))}{more}) is not {verb}: {reason}",
                        f"{func}(<path not shown>{more}) is not {verb}: {reason}")

    def located(func: str, name: Any) -> str:
        try:
            return scope.path_of(base_dir, text(name))
        except Refused as exc:
            raise refused(func, name, exc) from None

    def content(func: str, name: Any) -> bytes:
        rel = located(func, name)
        try:
            data = scope.read(rel)
        except Refused as exc:
            raise refused(func, name, exc) from None
        if data is None:
            raise EvalError(f"{func}(): no file exists at {text(name)!r}")
        return data

    def utf8(func: str, name: Any) -> str:
        try:
            return content(func, name).decode("utf-8")
        except UnicodeDecodeError:
            raise EvalError(f"{func}(): the file is not valid UTF-8; use filebase64") from None

    def file_(name: Any) -> Any:
        return utf8("file", name)

    def fileexists(name: Any) -> Any:
        rel = located("fileexists", name)
        try:
            return scope.exists(rel)
        except Refused as exc:
            raise refused("fileexists", name, exc) from None

    def fileset(path: Any, pattern: Any) -> Any:
        rel = located("fileset", path)
        compiled = compile_glob(text(pattern))
        try:
            names = scope.files_under(rel)
        except Refused as exc:
            raise refused("fileset", path, exc, "listed", ", ...") from None
        return TfSet(sorted(n for n in names if glob_match(compiled, n)))

    def templatefile(name: Any, variables: Any) -> Any:
        template = utf8("templatefile", name)
        bindings = dict(mapping(variables, "templatefile() variables"))
        # A template sees only its variables and the functions (not templatefile itself).
        inner = {name: func for name, func in checked.items() if name != "templatefile"}
        return render_template(template, bindings, {**FUNCTIONS, **inner}, report)

    def hashed(func: str, digest: str, encode: Callable[[bytes], str]) -> Callable[..., Any]:
        def call(name: Any) -> Any:
            return encode(hashlib.new(digest, content(func, name)).digest())

        return call

    plain: dict[str, Callable[..., Any]] = {
        "file": file_, "fileexists": fileexists, "fileset": fileset,
        "filebase64": lambda name: base64.b64encode(content("filebase64", name)).decode("ascii"),
    }
    for digest in ("md5", "sha1", "sha256", "sha512"):
        plain[f"file{digest}"] = hashed(f"file{digest}", digest, bytes.hex)
    for digest in ("sha256", "sha512"):
        plain[f"filebase64{digest}"] = hashed(f"filebase64{digest}", digest,
                                              lambda b: base64.b64encode(b).decode("ascii"))
    plain["templatefile"] = templatefile
    checked = {name: _checked(name, func, 2 if name in ("fileset", "templatefile") else 1)
               for name, func in plain.items()}
    return checked


def _checked(name: str, func: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """Arity first (Terraform rejects a wrong call even with unknown arguments), then unknown in, unknown out."""

    def call(*args: Any) -> Any:
        if len(args) != arity:
            raise EvalError(f"{name}(): wrong number of arguments")
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        return func(*args)

    call.__name__ = name
    return call


def _go_clean(path: str) -> str:
    if not path:
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


@fn("basename")
def _basename(path: Any) -> Any:
    value = text(path).rstrip("/")
    if not value:
        return "/" if text(path) else "."
    return value.rsplit("/", 1)[-1]


@fn("dirname")
def _dirname(path: Any) -> Any:
    value = text(path)
    return _go_clean(value[:value.rfind("/") + 1])
