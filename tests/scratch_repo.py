"""A scratch git repository for tests: files written from a dict, and git run in it as a fixed user."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    """``git -C root ARGS`` with a fixed author, no signing, and outside any pre-commit run."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    env.pop("PRE_COMMIT", None)
    return subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(root), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
