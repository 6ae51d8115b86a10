"""What a pull request's config may change in the gate, compared with the base branch's.

Each group of settings is compared on its own. The PR's value is used where
it tightens the gate or only tunes it; where it relaxes it, the base branch's
value stays and the setting is named (:class:`Relaxed`):

- ``fail-on`` higher, ``soft-fail`` switched on;
- ``checks`` / ``skip-checks`` that stop running a rule;
- ``exceptions`` the base does not have (rule, address and expiry);
- ``namespaces`` / ``all-namespaces`` that query fewer Rego packages;
- port lists (top-level or under ``options``) that grade a port lower
  (admin, high; other, medium; web, low), or any other changed rule option;
- ``policy`` paths the PR adds or drops (only the base branch's ever run);
- ``download-modules``, ``require-modules``, ``live``, ``live-required``: any
  change (they send the runner to the network or into the cloud account).
- ``fail-on-warn`` and ``strict-builtin-errors`` switched off; ``combine``, ``rego-version``: any change (they
  change what the policies read); ``data`` paths the PR adds or drops (only
  the base branch's are read, from its copies, as for ``policy``);
- ``hcl-budget``: any change. A lower budget leaves more values unknown, and an
  unknown value is never a finding; a higher one lets the PR's HCL run for as
  long as it likes. Only the base branch sets it.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from natpolicy.config import Config

__all__ = ["SEVERITIES", "Relaxed", "copy_of", "exception_key", "merge"]

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Relaxed:
    """One setting the PR's config relaxes (or changes where only the base branch may)."""

    setting: str
    what: str  # e.g. "`true` in the pull request, `false` on the base branch"


def merge(base: Config, pr: Config | None, relative: Callable[[str], str | None], copies: Path,
          overridden: frozenset[str] | set[str] = frozenset()) -> tuple[dict[str, Any], list[Relaxed]]:
    """The config data the gate uses and the settings the PR relaxes.

    The data is the base branch's, with each group of settings the PR only
    tightens or tunes taken from the PR; ``overridden`` names settings an
    input decides, which are not compared. ``relative`` gives the repository
    path of a checkout path, ``copies`` holds the base branch's copies.
    """
    from natpolicy import registry

    if pr is None:
        pr = Config()
    classes = registry.discover()
    for config in (base, pr):
        config.check_rules(classes)  # errors name the file they are in
    relaxed: list[Relaxed] = []
    data = _data(base)

    def use_pr(keys: Sequence[str]) -> None:
        pr_data = _data(pr)
        for key in keys:
            data.pop(key, None)
            if key in pr_data:
                data[key] = pr_data[key]

    rank = {s: i for i, s in enumerate(SEVERITIES)}
    if "fail-on" not in overridden:
        mine, theirs = pr.fail_on or "low", base.fail_on or "low"
        if rank[mine] > rank[theirs]:
            relaxed.append(Relaxed("fail-on", f"`{mine}` in the pull request, `{theirs}` on the base branch"))
        else:
            use_pr(["fail-on"])
    if pr.soft_fail and not base.soft_fail:
        relaxed.append(Relaxed("soft-fail", "`true` in the pull request, `false` on the base branch"))
    else:
        use_pr(["soft-fail"])

    ran = {c.id for c in registry.select(classes, base.checks, base.skip_checks)}
    runs = {c.id for c in registry.select(classes, pr.checks, pr.skip_checks)}
    if ran - runs:
        keys = [key for key, mine_k, theirs_k in (("checks", pr.checks, base.checks),
                                                  ("skip-checks", pr.skip_checks, base.skip_checks))
                if mine_k != theirs_k]
        stopped = ", ".join(sorted(ran - runs))
        relaxed.append(Relaxed(" / ".join(keys) or "checks", f"the pull request stops running {stopped}"))
    else:
        use_pr(["checks", "skip-checks"])

    known = {exception_key(e) for e in base.exceptions}
    added = [e for e in pr.exceptions if exception_key(e) not in known]
    if added:
        shown = "; ".join(f"{e.rule} `{e.address}`" for e in added[:10]) + (" …" if len(added) > 10 else "")
        relaxed.append(Relaxed("exceptions", f"the pull request adds {len(added)} "
                                             f"exception{'s' if len(added) != 1 else ''}: {shown}"))
    # The PR's exceptions that the base branch has too: removing one tightens the gate.
    data.pop("exceptions", None)
    data.update(_data(Config(exceptions=tuple(e for e in pr.exceptions if exception_key(e) in known))))

    mine_ns, theirs_ns = set(pr.namespaces or ["main"]), set(base.namespaces or ["main"])
    if (base.all_namespaces and not pr.all_namespaces) or (not pr.all_namespaces and not mine_ns >= theirs_ns):
        relaxed.append(Relaxed("namespaces", "the pull request queries fewer Rego packages than the base branch"))
    else:
        use_pr(["namespaces", "all-namespaces"])

    ports = _regraded(base, pr, classes)
    if ports:
        relaxed.append(Relaxed("admin_ports / web_ports / options",
                               f"the pull request lowers the severity of {ports}"))
    else:
        use_pr(["admin_ports", "web_ports", "options"])

    if dict(pr.hcl_budget) != dict(base.hcl_budget):
        relaxed.append(Relaxed("hcl-budget", "the pull request changes the HCL evaluation budget, "
                                             "which only the base branch sets"))

    # Fetching modules sends the runner to URLs the configuration names, and live evidence reads the
    # cloud account with the job's credentials: only the base branch decides either.
    for key, mine_m, theirs_m in (("download-modules", pr.download_modules, base.download_modules),
                                  ("require-modules", pr.require_modules, base.require_modules),
                                  ("live", pr.live, base.live),
                                  ("live-required", pr.live_required, base.live_required)):
        if mine_m != theirs_m:
            relaxed.append(Relaxed(key, f"`{str(mine_m).lower()}` in the pull request, "
                                        f"`{str(theirs_m).lower()}` on the base branch, which alone sets it"))

    if base.fail_on_warn and not pr.fail_on_warn:
        relaxed.append(Relaxed("fail-on-warn", "`false` in the pull request, `true` on the base branch"))
    else:
        use_pr(["fail-on-warn"])
    # A builtin error that stops the base branch's gate must not pass quietly because the pull request says so.
    if base.strict_builtin_errors and not pr.strict_builtin_errors:
        relaxed.append(Relaxed("strict-builtin-errors", "`false` in the pull request, `true` on the base branch"))
    else:
        use_pr(["strict-builtin-errors"])
    for key, mine_r, theirs_r in (("combine", pr.combine, base.combine),
                                  ("rego-version", pr.rego_version, base.rego_version)):
        if mine_r != theirs_r:
            relaxed.append(Relaxed(key, "the pull request changes how policies read their input, "
                                        "which only the base branch sets"))
    theirs_d = {copy_of(p, copies) or relative(p) or p for p in base.data_files}
    for path in [relative(p) or p for p in pr.data_files]:
        if path not in theirs_d:
            relaxed.append(Relaxed("data", f"the pull request's data path `{path}` was ignored"))
    for path in sorted(theirs_d - {relative(p) or p for p in pr.data_files}):
        relaxed.append(Relaxed("data", f"the pull request drops the data path `{path}`"))

    if "policy" not in overridden:
        theirs_p = {copy_of(p, copies) or relative(p) or p for p in base.policies}
        mine_p = [relative(p) or p for p in pr.policies]
        for path in mine_p:
            if path not in theirs_p:
                relaxed.append(Relaxed("policy", f"the pull request's policy path `{path}` was ignored"))
        for path in sorted(theirs_p - set(mine_p)):
            relaxed.append(Relaxed("policy", f"the pull request drops the policy path `{path}`"))
    return data, relaxed


def copy_of(path: str, copies: Path) -> str | None:
    """The repository path of a base branch copy."""
    try:
        return Path(os.path.normpath(path)).relative_to(copies).as_posix()
    except ValueError:
        return None


def _regraded(base: Config, pr: Config, classes: Sequence[Any]) -> str:
    """The ports (or options) the PR's config grades lower than the base branch's; "" when none."""
    theirs, mine = base.rule_options(classes), pr.rule_options(classes)
    lowered: set[int] = set()
    other: list[str] = []
    for cls in classes:
        a = {**cls.default_options, **theirs.get(cls.id, {})}
        b = {**cls.default_options, **mine.get(cls.id, {})}
        if "admin_ports" in a and "web_ports" in a:
            admin_a, web_a = set(a["admin_ports"]), set(a["web_ports"])
            admin_b, web_b = set(b["admin_ports"]), set(b["web_ports"])
            # A port is graded admin (high), else web (low), else other (medium).
            lowered |= (admin_a - admin_b) | ((web_b - admin_b) - admin_a - web_a)
        for name in sorted(set(a) | set(b)):
            if name not in ("admin_ports", "web_ports") and a.get(name) != b.get(name):
                other.append(f"options.{cls.id}.{name}")
    parts = []
    if lowered:
        listed = sorted(lowered)
        parts.append(f"port{'s' if len(listed) != 1 else ''} {', '.join(map(str, listed[:10]))}"
                     + (" …" if len(listed) > 10 else ""))
    if other:
        parts.append("what " + ", ".join(other) + " report")
    return " and ".join(parts)


def exception_key(exc: Any) -> tuple[str, str, str]:
    return (exc.rule.upper(), exc.address, exc.expires.isoformat() if exc.expires else "")


def _data(config: Config) -> dict[str, Any]:
    """A config as the data of a config file (policies and data files excepted: the caller decides those)."""
    data: dict[str, Any] = {}
    if config.checks:
        data["checks"] = list(config.checks)
    if config.skip_checks:
        data["skip-checks"] = list(config.skip_checks)
    if config.fail_on:
        data["fail-on"] = config.fail_on
    if config.soft_fail:
        data["soft-fail"] = True
    for name, ports in config.ports.items():
        data[name] = list(ports)
    if config.options:
        data["options"] = {rule: dict(opts) for rule, opts in config.options.items()}
    if config.exceptions:
        data["exceptions"] = [{"rule": e.rule, "address": e.address, "reason": e.reason,
                               **({"expires": e.expires.isoformat()} if e.expires else {})}
                              for e in config.exceptions]
    if config.namespaces:
        data["namespaces"] = list(config.namespaces)
    if config.all_namespaces:
        data["all-namespaces"] = True
    if config.fail_on_warn:
        data["fail-on-warn"] = True
    if config.strict_builtin_errors:
        data["strict-builtin-errors"] = True
    if config.combine:
        data["combine"] = True
    if config.rego_version:
        data["rego-version"] = config.rego_version
    if config.hcl_budget:
        data["hcl-budget"] = dict(config.hcl_budget)
    if config.download_modules:
        data["download-modules"] = True
    if config.require_modules:
        data["require-modules"] = True
    if config.live:
        data["live"] = True
    if config.live_required:
        data["live-required"] = True
    return data

