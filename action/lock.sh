#!/usr/bin/env bash
# Regenerate the GitHub Action's hash-pinned requirements from pyproject.toml:
#
#   action/requirements.txt       natpolicy's dependencies and its build backend
#   action/requirements-rego.txt  the `rego` extra (regopy), installed separately
#                                 because it has no wheel for some runners
#   action/requirements-aws.txt   the `aws` extra (boto3), installed only when
#                                 the Action's `live` input is true
#
# Needs uv (https://docs.astral.sh/uv/). The lock is universal (every platform,
# Python >= 3.10) and lists the hash of every file of each pinned release, so
# one file serves Linux, macOS and Windows runners. tests/test_action.py checks
# that it still covers what pyproject.toml asks for; re-run this after editing
# dependencies there, and review the version bumps like any other change.
set -euo pipefail
cd "$(dirname "$0")/.."

toml() {  # print one list from pyproject.toml, one requirement per line
    python3 -c 'import sys, tomllib
data = tomllib.load(open("pyproject.toml", "rb"))
for key in sys.argv[1].split("."):
    data = data[key]
print("\n".join(data))' "$1"
}

compile() {  # compile requirements read from stdin into $1
    uv pip compile --quiet --universal --python-version 3.10 --generate-hashes --no-annotate \
        --custom-compile-command "action/lock.sh" --output-file "$1" "${@:2}" -
}

toml build-system.requires | compile action/requirements.txt pyproject.toml
toml project.optional-dependencies.rego | compile action/requirements-rego.txt
toml project.optional-dependencies.aws | compile action/requirements-aws.txt
