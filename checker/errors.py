"""Errors that end a run with exit code 2 and one clear line, never a traceback."""
from __future__ import annotations


class NatpolicyError(Exception):
    """Base for every error the CLI reports as ``natpolicy: error: ...``."""

    exit_code = 2


class InputError(NatpolicyError):
    """A file the user gave us cannot be read as what it claims to be."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class UsageError(NatpolicyError):
    """Bad flags or configuration."""
