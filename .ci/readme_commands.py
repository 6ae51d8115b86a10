"""Print the README's set-up commands, so CI runs exactly what a new user types.

    python3 .ci/readme_commands.py 1   # the first ```sh block of "## Set-up": install and a first check
    python3 .ci/readme_commands.py 2   # the second: the test suite

Standard library only: it runs before anything is installed.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def setup_commands(text: str) -> list[str]:
    section = text.split("\n## Set-up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def main(argv: list[str]) -> int:
    commands = setup_commands(README.read_text(encoding="utf-8"))
    if len(argv) != 1 or not argv[0].isdigit() or not 1 <= int(argv[0]) <= len(commands):
        print(f"usage: readme_commands.py N (1..{len(commands)})", file=sys.stderr)
        return 2
    print(commands[int(argv[0]) - 1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
