"""The real browser for the end-to-end tests, and the accessibility audit they run in it.

The browser is Debian's `chromium` package, driven by Playwright, which never downloads one.
The audit is axe-core from the widget's npm packages (web/node_modules), so nothing comes
from the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (2.2 adds only AA rules to axe-core's set).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium; a test that needs it fails (not skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Page) -> list[dict]:
    """axe-core's WCAG A and AA violations on the page as it is now (empty when none)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return results.violations.map((v) => ({
              id: v.id, help: v.help, targets: v.nodes.map((n) => n.target),
            }));
        }""",
        AXE_TAGS,
    )
