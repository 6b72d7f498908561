"""The built dashboard in a real headless Chromium, opened from disk.

Uses the system's Chromium (Debian's ``chromium`` package) through Playwright;
nothing is downloaded. Without Chromium the test skips, unless
BENCHKIT_REQUIRE_BROWSER=1 (set by .ci/run), where it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.history import load_history
from benchkit.site import build_site

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for candidate in (os.environ.get("BENCHKIT_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("BENCHKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and BENCHKIT_REQUIRE_BROWSER=1 demands the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (benchkit[test])")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page_on(browser: Any, fixture_history: SimpleNamespace, tmp_path: Path) -> Iterator[Any]:
    """A page factory for the fixture site, recording dialogs and script errors."""
    out = tmp_path / "site"
    build_site(load_history(fixture_history.root), out, commit_url="https://example.org/c/{commit}")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    events: dict[str, list[str]] = {"dialogs": [], "errors": []}

    def open_page(fragment: str = "") -> Any:
        page = context.new_page()
        page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: events["errors"].append(str(e)))
        page.goto((out / "index.html").resolve().as_uri() + fragment)
        page.wait_for_selector("body[data-ready='1']")
        return page

    open_page.events = events  # type: ignore[attr-defined]
    yield open_page
    context.close()
    assert events == {"dialogs": [], "errors": []}


def expect(locator: Any) -> Any:
    # Playwright's expect polls through selectors; wait_for_function would
    # need eval, which the dashboard's Content-Security-Policy forbids.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _count(page: Any) -> str:
    return str(page.locator("#count").inner_text())


def test_charts_render_and_filters_work(page_on: Any, kit: SimpleNamespace, tmp_path: Path) -> None:
    """From disk: charts draw with plotly, search and machine filters narrow them, URL keeps state."""
    page = page_on()
    page.wait_for_selector(".chart-card[data-rendered='1'] .main-svg")
    assert page.locator(".chart-card").count() == 4
    first = page.locator(".chart-card[data-rendered='1']").first
    assert first.locator(".scatterlayer .trace").count() >= 3
    assert page.get_by_text(kit.HOSTILE, exact=True).count() >= 1
    assert page.locator("img").count() == 0

    page.fill("#search", "all_equal")
    expect(page.locator("#count")).to_have_text(re.compile(r"^1 of 4 benchmarks"))
    assert page.locator(".chart-card").count() == 1
    assert "q=all_equal" in page.url

    page.fill("#search", "")
    page.select_option("#machine", kit.MACHINE_B)
    expect(page.locator("#count")).to_have_text(re.compile(r"^1 of 4 benchmarks"))
    assert page.locator(".chart-card h2").inner_text() == "test_copy_to_device"
    page.select_option("#scale", "linear")
    page.wait_for_selector(".chart-card[data-rendered='1']")
    linked = page.url

    again = page_on(linked[linked.index("#") :])
    assert again.locator("#machine").input_value() == kit.MACHINE_B
    assert again.locator("#scale").input_value() == "linear"
    assert _count(again).startswith("1 of 4")

    shots = Path(os.environ.get("BENCHKIT_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page.select_option("#machine", "")
    page.select_option("#scale", "log")
    page.wait_for_selector(".chart-card[data-rendered='1'] .main-svg")
    shot = shots / "benchkit-dashboard.png"
    page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_skipped_files_are_named_on_the_page(
    page_on: Any, fixture_history: SimpleNamespace
) -> None:
    """The notice lists each unreadable file with its reason."""
    notice = page_on().locator("#notice").inner_text()
    for path in fixture_history.broken.values():
        assert str(path.relative_to(fixture_history.root.parent)) in notice
    assert "not UTF-8 text" in notice


def test_regressions_view_shows_the_known_step(page_on: Any, kit: SimpleNamespace) -> None:
    """#view=regressions lists the one flagged step with its commit link."""
    page = page_on("#view=regressions")
    rows = page.locator("#flags tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "regression" in text
    assert "test_all_equal[ours]" in text
    link = rows.first.locator("a[href^='https://example.org/c/']")
    assert link.count() == 1


def test_compare_view_from_the_url(
    page_on: Any, fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """Two run ids in the URL give their ratio table with the regression on top."""
    ids = fixture_history.run_ids_a
    page = page_on(f"#view=compare&base={ids[kit.STEP_RUN - 1]}&head={ids[kit.STEP_RUN]}")
    page.wait_for_selector("#compare-table tbody tr")
    first = page.locator("#compare-table tbody tr").first.inner_text()
    assert "test_all_equal[ours]" in first
    assert "regression" in first
    assert page.locator("#base").input_value() == ids[kit.STEP_RUN - 1]
    shown = page.locator("#view").inner_text()
    assert "null" not in shown
    assert "undefined" not in shown
    assert _count(page).startswith(f"base {fixture_history.commits_a[kit.STEP_RUN - 1][:8]}")


def test_ratio_view_draws_ours_against_zarr(page_on: Any) -> None:
    """#view=ratios draws ours/zarr (and ours/limit) charts with a table of latest ratios."""
    page = page_on("#view=ratios")
    page.wait_for_selector(".ratio-card[data-rendered='1'] .main-svg")
    titles = page.locator(".ratio-card h2").all_inner_texts()
    assert "ours / zarr's buffers" in titles
    assert page.locator(".ratio-table tbody tr").count() >= 3


@pytest.mark.parametrize("view", ["trends", "regressions", "compare", "ratios", "machines"])
def test_every_view_renders_without_placeholders(page_on: Any, view: str) -> None:
    """Each view shows content and never prints 'null' or 'undefined' for missing values."""
    page = page_on(f"#view={view}")
    expect(page.locator("#view > *").first).to_be_visible()
    page.wait_for_timeout(300)
    shown = page.locator("#view").inner_text()
    assert shown.strip()
    assert "null" not in shown
    assert "undefined" not in shown
    assert page.locator("#tabs button[aria-current='page']").inner_text().strip()


def test_header_links_to_the_documentation(
    browser: Any, fixture_history: SimpleNamespace, tmp_path: Path
) -> None:
    """With docs_url, the header carries a Documentation link to it (the published site's root)."""
    out = tmp_path / "site"
    build_site(load_history(fixture_history.root), out, docs_url="../index.html")
    page = browser.new_page()
    page.goto((out / "index.html").resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']")
    link = page.locator("header a#docs-link")
    assert link.inner_text() == "Documentation"
    assert link.get_attribute("href") == "../index.html"
    page.close()
