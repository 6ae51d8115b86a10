"""The rule registry's own folder walk finds what ``pkgutil.walk_packages`` finds, in its order."""
from __future__ import annotations

import pkgutil
import sys
from pathlib import Path

import pytest

import natpolicy.policies
from natpolicy import registry


def test_the_policies_walk_is_pkgutils() -> None:
    path, prefix = natpolicy.policies.__path__, "natpolicy.policies."
    assert list(registry.walk_modules(path, prefix)) == \
        [(info.name, info.ispkg) for info in pkgutil.walk_packages(path, prefix)]


def test_every_rule_is_discovered_in_id_order() -> None:
    ids = [cls.id for cls in registry.discover()]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 14
    assert {"NAT001", "NAT004", "SG001", "SG004", "EBS001", "EBS005", "FLOW001"} <= set(ids)


def test_the_walk_over_a_tricky_tree_is_pkgutils(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "wmroot"
    files = {
        "wm_a.py": "", "wm_pkg/__init__.py": "", "wm_pkg/inner.py": "", "wm_pkg/_private.py": "",
        "wm_pkg/sub/__init__.py": "", "wm_pkg/sub/leaf.py": "", "wm_pkg/notes.md": "",
        "wm_plain/f.py": "",  # a folder without __init__: not a package
        "wm_twin.py": "", "wm_twin/__init__.py": "",  # the package comes first, the module is not listed again
        "wm.dotted.py": "", "wm_data.txt": "", "wm_ext.cpython-311-x86_64-linux-gnu.so": "",
        "wm_broken/__init__.py": "raise ImportError('no')", "wm_broken/hidden.py": "",
        "wm_compiled/__init__.pyc": "", "__pycache__/wm_a.cpython-311.pyc": "",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(root))
    for path in ([str(root)], [str(root), str(root)], [str(root), str(tmp_path / "missing")]):
        for name in [m for m in sys.modules if m.startswith("wm_")]:
            monkeypatch.delitem(sys.modules, name)
        expected = [(info.name, info.ispkg) for info in pkgutil.walk_packages(path, "")]
        for name in [m for m in sys.modules if m.startswith("wm_")]:
            monkeypatch.delitem(sys.modules, name)
        assert list(registry.walk_modules(path, "")) == expected
        assert ("wm_pkg.sub.leaf", False) in expected and ("wm_broken", True) in expected
