"""The environment the GitHub Action's check runs in: only what natpolicy needs.

A job's environment carries its secrets: ``AWS_SECRET_ACCESS_KEY``,
``TF_TOKEN_*``, ``GITHUB_TOKEN``, the OIDC request token
(``ACTIONS_ID_TOKEN_REQUEST_*``), whatever a workflow put under ``env:``.
natpolicy reads Terraform code and Rego policies a pull request may have
written, so nothing it runs should be able to see them. An allow-list rather
than a deny-list: a secret under a name nobody thought of stays out too.

:func:`reduced` picks the variables; :func:`only` swaps ``os.environ`` for
them while natpolicy runs in-process (and so for any child it starts), then
puts the old environment back, for in-process callers such as the tests.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

__all__ = ["KEPT", "LIVE_KEPT", "only", "reduced"]

# What natpolicy, git and Python read, and nothing that can hold a credential.
KEPT = frozenset({
    # processes and files
    "PATH", "HOME", "TMPDIR", "TEMP", "TMP", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
    # locale: messages and file names decode the same as in the caller's shell
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
    # Windows runners: Python and git need these to start at all
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "HOMEDRIVE", "HOMEPATH",
    "APPDATA", "LOCALAPPDATA",
    # the runner's files the step writes and reads
    "RUNNER_TEMP", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME", "GITHUB_ACTIONS", "CI",
    # natpolicy's own switches and Terraform's (non-secret) workspace name, read by terraform.workspace
    "NATPOLICY_DEBUG", "NATPOLICY_CACHE_DIR", "NATPOLICY_NO_CACHE", "TF_WORKSPACE",
})


# With the `live` input only: what aws-actions/configure-aws-credentials exports
# (static keys, or the OIDC role's session), so that --live can read the account.
# The workflow asked for it; natpolicy never prints them (docs/live.md). Not
# AWS_PROFILE or AWS_CONFIG_FILE: a profile can name a credential_process,
# a program to run, and the checkout is the pull request's.
LIVE_KEPT = frozenset({
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE",
    "AWS_STS_REGIONAL_ENDPOINTS", "AWS_EC2_METADATA_DISABLED",
})


def reduced(env: Mapping[str, str], *, live: bool = False) -> dict[str, str]:
    """The variables of ``env`` natpolicy needs; on Windows names compare case-insensitively.

    ``live``: the AWS credential variables too (:data:`LIVE_KEPT`), for ``--live``.
    """
    kept = KEPT | LIVE_KEPT if live else KEPT
    return {name: value for name, value in env.items() if name.upper() in kept}


@contextlib.contextmanager
def only(env: Mapping[str, str]) -> Iterator[None]:
    """Run the block with ``os.environ`` holding exactly ``env``; restore it afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
