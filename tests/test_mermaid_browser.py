"""One NAT finding's Mermaid diagram, rendered by mermaid in a real headless Chromium (issue 19).

GitHub renders ``mermaid`` blocks with mermaid itself, in the browser; this
renders the block of ``fixtures/plans/nat-deleted.json`` the same way, from
the npm package's own bundle, and checks that an SVG with the deleted gateway
came out (a syntax error renders as an error SVG instead, which this tells
apart). Skips cleanly without Chromium or the mermaid package (see
test_mermaid.py for where it is looked up). Chromium gets no network: every
host name resolves to nothing, and the page is a local file.

``NATPOLICY_SCREENSHOT=path.png`` also writes a screenshot (how docs/images/
nat-diagram.png was made).
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, CliResult
from test_mermaid import MERMAID_DIR, _markdown_blocks

BUNDLE = MERMAID_DIR / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
_OFFLINE = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000"]


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name)) is not None), None)


def _page(tmp_path: Path, block: str) -> Path:
    page = tmp_path / "diagram.html"
    page.write_text(f"""<!doctype html><html><body>
<pre class="mermaid">{html.escape(block)}</pre>
<script src="{BUNDLE.as_uri()}"></script>
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
mermaid.run({{querySelector: ".mermaid"}})
  .then(() => {{ document.body.dataset.rendered = "yes"; }})
  .catch(e => {{ document.body.dataset.rendered = "error: " + e; }});
</script></body></html>""", encoding="utf-8")
    return page


def test_the_nat_diagram_renders_in_a_real_browser(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None or not BUNDLE.is_file():
        pytest.skip("needs Chromium and the mermaid npm package (see test_mermaid.py)")
    [block] = _markdown_blocks(cli, FIXTURES / "plans" / "nat-deleted.json")
    page = _page(tmp_path, block)
    home = tmp_path / "profile"  # a throwaway profile: nothing written to the user's
    run = subprocess.run([browser, *_OFFLINE, f"--user-data-dir={home}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False)
    dom = run.stdout
    assert 'data-rendered="yes"' in dom, (dom[-2000:], run.stderr[-2000:])
    assert "<svg" in dom and "Syntax error" not in dom
    assert "this[1]" in dom, "the deleted gateway is drawn"
    shot = os.environ.get("NATPOLICY_SCREENSHOT")
    if shot:
        subprocess.run([browser, *_OFFLINE, f"--user-data-dir={home}", "--window-size=1100,220",
                        f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)


def test_a_broken_diagram_does_not_render(tmp_path: Path) -> None:
    # The check above can fail: mermaid's parser refuses this, and the page says so.
    browser = _chromium()
    if browser is None or not BUNDLE.is_file():
        pytest.skip("needs Chromium and the mermaid npm package (see test_mermaid.py)")
    page = _page(tmp_path, "flowchart LR\n  n1[\"a\"] --> --> n2\n")
    run = subprocess.run([browser, *_OFFLINE, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert 'data-rendered="yes"' not in run.stdout
