"""axe-core (the accessibility engine browsers' audits use) run on a page in the real browser:
WCAG 2.1 A and AA rules (contrast, labels, names, landmarks, focus order through tabindex).
Playwright injects it through the DevTools protocol, so our pages' Content-Security-Policy (no
script at all) does not stand in the way and stays as it is."""

from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
_axe = Axe()


def violations(page, region: str | None = None) -> list[str]:
    """Each rule the page (or only its elements matching ``region``, a CSS selector) breaks,
    with the first elements that break it."""
    context = {"include": [[region]]} if region else None
    found = _axe.run(page, context=context, options=WCAG_AA).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                        else str(node["target"][0]) for node in v["nodes"][:3])
            for v in found]


PROJECT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("DECODER_SCREENSHOTS", PROJECT / "build" / "screenshots"))


def assert_accessible(page, what: str, region: str | None = None) -> None:
    """No WCAG A/AA violation on ``page`` (or in ``region``: our widgets inside JupyterLab,
    whose own interface is not ours to fix); a screenshot of it kept (build/screenshots/), at
    the laptop's size and at 200 % zoom, for people to look at after a run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    page.evaluate("document.body.style.zoom = '200%'")
    page.screenshot(path=SCREENSHOTS / f"{name}-200.png")
    page.evaluate("document.body.style.zoom = ''")
    broken = violations(page, region)
    assert not broken, f"{what} ({page.url}): " + "\n".join(broken)
