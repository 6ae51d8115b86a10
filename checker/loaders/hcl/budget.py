"""A work and memory budget for evaluating one root module's HCL.

Every file of a pull request is hostile, and Terraform's language can build
values exponentially: thirty locals each doubling the last reach 4 GB, three
``range(1000)`` in ``setproduct`` make a billion tuples, thirty nested modules
with ``count = 2`` make 2**30 instances. Evaluation therefore draws on a
budget, per root module:

- ``steps``: expression nodes evaluated and collection elements walked (time);
- ``size``: characters and collection elements built (memory);
- ``instances``: resource and module instances, ``dynamic`` blocks included.

Past a limit the value being computed is unknown (:class:`BudgetExceeded` is a
:class:`NotEvaluated`, so ``try()`` does not take it for an error) and the
budget records one note naming the expression and the ``.tf`` line; everything
evaluated afterwards in that root is unknown too, so the run ends in seconds
and a finding is never made up from a partial value. Operations whose result
can dwarf their arguments (``setproduct``, ``join``, ``replace``...) charge
their result's size *before* building it.

The limits come from the ``hcl-budget`` config key (:func:`configured` around
the load); evaluation outside any load gets a fresh default budget per
expression.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import field
from typing import Any

from natpolicy.loaders.hcl.values import NotEvaluated
from natpolicy.loaders.hcl_limits import CONFIG_KEY, DEFAULT_LIMITS, Limits, configured, limits
from natpolicy.loaders.hcl_limits import LIMITS_VAR as _LIMITS
from natpolicy.records import record

__all__ = ["DEFAULT_LIMITS", "Budget", "BudgetExceeded", "Limits", "active", "charge_size", "charge_steps",
           "configured", "current", "limits", "measure"]


class BudgetExceeded(NotEvaluated):
    """Evaluation went past a limit of the budget."""

    def __init__(self, kind: str, limit: int) -> None:
        super().__init__(f"a value past the evaluation budget ({CONFIG_KEY}.{kind}: {limit:,})")
        self.kind = kind


@record
class Budget:
    limits: Limits = DEFAULT_LIMITS
    steps: int = 0
    size: int = 0
    instances: int = 0
    spent: str | None = None  # "steps" once passed: there is no time left, everything after it is unknown
    notes: list[str] = field(default_factory=list)

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            self.spent = "steps"
            raise BudgetExceeded("steps", self.limits.steps)

    def built(self, n: int) -> None:
        """Count ``n`` characters or elements built; past the limit, refuse them.

        A refused value is dropped (it becomes unknown), so it does not count:
        the values around it are still evaluated."""
        if self.size + n > self.limits.size:
            raise BudgetExceeded("size", self.limits.size)
        self.size += n

    def take_instances(self, n: int) -> bool:
        """Reserve ``n`` instances; False (and nothing reserved) past the limit."""
        if self.instances + n > self.limits.instances:
            return False
        self.instances += n
        return True

    def note(self, what: str, where: str | None, kind: str, then: str = "") -> None:
        """One line per kind of limit, for the first value it stopped (the others follow from it)."""
        then = then or ("it and whatever is evaluated after it in this root are treated as unknown" if kind == "steps"
                        else "it is treated as unknown")
        if any(f"({CONFIG_KEY}.{kind}:" in n for n in self.notes):
            return
        self.notes.append(
            f"{where + ': ' if where else ''}{what} is past the evaluation budget "
            f"({CONFIG_KEY}.{kind}: {getattr(self.limits, kind):,} per root module); {then} "
            f"(raise {CONFIG_KEY}.{kind} in the config to evaluate it)")


_CURRENT: ContextVar[Budget | None] = ContextVar("natpolicy_hcl_budget", default=None)


@contextmanager
def active(budget: Budget | None = None) -> Iterator[Budget]:
    """Evaluation inside draws on ``budget`` (a new one with the configured limits if None)."""
    chosen = budget if budget is not None else Budget(_LIMITS.get())
    token = _CURRENT.set(chosen)
    try:
        yield chosen
    finally:
        _CURRENT.reset(token)


def current() -> Budget | None:
    return _CURRENT.get()


def charge_steps(n: int = 1) -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.step(n)


def charge_size(n: int) -> None:
    budget = _CURRENT.get()
    if budget is not None:
        budget.built(n)


def measure(value: Any, cap: int | None = None) -> int:
    """Characters and elements in ``value``, counting shared parts each time they
    appear (as an encoder writes them); stops past ``cap`` (default: what is left
    of the size budget) and raises :class:`BudgetExceeded`."""
    budget = _CURRENT.get()
    if cap is None:
        cap = budget.limits.size - budget.size if budget is not None else DEFAULT_LIMITS.size
    cap = max(cap, 0)
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, dict, list)):
            total += len(item)
        else:
            total += 1
        if total > cap:
            if budget is not None:
                budget.built(total)  # raises: past what is left
            raise BudgetExceeded("size", cap)
        if isinstance(item, dict):
            stack.extend(item)  # the keys: strings
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return total
