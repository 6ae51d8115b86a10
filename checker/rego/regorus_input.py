"""An input as regorus is handed it: its JSON text, checked whole, then cut down to what the policies observe.

Every check of the whole text is made on the text itself, before and apart from any cutting (``input_pruning``):
a number regorus cannot hold as conftest hands it (``conftest_numbers``), a negative zero a call may show
(``regorus_negative_zero``), and regorus' own parser's nesting limit, which ``input_pruning`` never cuts past.
"""
from __future__ import annotations

from typing import Any

from natpolicy.records import record
from natpolicy.rego.conftest_numbers import INT64_FLOOR_TEXT, RegorusNumberError, holds_int64_floor_text
from natpolicy.rego.engine import EvaluationError
from natpolicy.rego.go_json_numbers import holds_negative_zero, holds_negative_zero_ascii
from natpolicy.rego.input_pruning import PRUNE_FROM_CHARS, PrunerOnDemand
from natpolicy.rego.regorus_errors import one_line

__all__ = ["PreparedInput", "prepared_input", "set_input"]

_INT64_FLOOR_UTF8 = INT64_FLOOR_TEXT.encode("ascii")


def prepared_input(text: str | None, utf8: bytes | None = None) -> PreparedInput:
    """``text`` (numbers as conftest hands them), ``utf8`` its UTF-8 where the caller holds it already (``text``
    then ``None`` where it was not decoded: :meth:`PreparedInput.whole_text` decodes it if it is read whole)."""
    prepared = PreparedInput(text, utf8=utf8)
    if text is not None or _INT64_FLOOR_UTF8 in (utf8 or b""):
        if holds_int64_floor_text(prepared.whole_text()):  # conftest's -9223372036854776000, regorus' -2^63
            raise RegorusNumberError
    return prepared


def set_input(engine: Any, text: str) -> None:
    try:
        engine.set_input_json(text)
    except RuntimeError as exc:
        # serde_json's nesting limit (INPUT_DEPTH_LIMIT) guards regorus' stack; say so in natpolicy's words.
        message = one_line(str(exc))
        raise EvaluationError(message, "input_too_deep" if "recursion limit" in message else "input") from None


@record
class PreparedInput:
    text: str | None  # None: ``utf8``'s, not decoded yet (whole_text)
    zero: bool | None = None  # holds a negative zero (holds_negative_zero), found once, where a policy may show it
    utf8: bytes | None = None  # ``text`` as UTF-8, where the caller held it already

    def whole_text(self) -> str:
        """The text, decoded from ``utf8`` when first read whole (a plan cut to what its policies read never is)."""
        if self.text is None:
            assert self.utf8 is not None, "prepared_input keeps the text or its UTF-8"
            self.text = self.utf8.decode("utf-8")
        return self.text

    def _chars(self) -> int:
        if self.text is None and self.utf8 is not None and self.utf8.isascii():
            return len(self.utf8)  # one byte a character: nothing to decode to count them
        return len(self.whole_text())

    def pruned(self, on_demand: PrunerOnDemand | None) -> str:
        """What the engine parses: only what the policies observe (input_pruning), else the whole text."""
        if on_demand is None or self._chars() < PRUNE_FROM_CHARS:
            return self.whole_text()
        pruner = on_demand.pruner()
        if pruner is None:
            return self.whole_text()
        if self.utf8 is None:
            try:
                self.utf8 = self.whole_text().encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: left to the engine's parser, whole
                return self.whole_text()
        kept = pruner.prune(self.utf8)
        return self.whole_text() if kept is None else kept.decode("utf-8")

    def negative_zero(self) -> bool:
        if self.zero is None:
            if self.text is None and self.utf8 is not None and self.utf8.isascii():
                self.zero = holds_negative_zero_ascii(self.utf8)  # the text is not decoded for it
            else:
                self.zero = holds_negative_zero(self.whole_text())
        return self.zero
