"""The built dashboard in a real headless Chromium, opened from disk.

Uses the system's Chromium (Debian's ``chromium`` package) through Playwright;
nothing is downloaded. Without Chromium the test skips, unless
BENCHKIT_REQUIRE_BROWSER=1 (set by .ci/run), where it fails instead.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchkit.history import load_history
from benchkit.site import build_site

pytestmark = pytest.mark.browser


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
    expect(page.locator("#count")).to_have_text(re.compile(r"^1 of 4 charts"))
    assert page.locator(".chart-card").count() == 1
    assert "q=all_equal" in page.url

    page.fill("#search", "")
    page.select_option("#machine", kit.MACHINE_B)
    expect(page.locator("#count")).to_have_text(re.compile(r"^1 of 4 charts"))
    assert page.locator(".chart-card h2").inner_text() == "test_copy_to_device"
    page.select_option("#scale", "linear")
    page.wait_for_selector(".chart-card[data-rendered='1']")
    linked = page.url

    again = page_on(linked[linked.index("#") :])
    assert again.locator("#machine").input_value() == kit.MACHINE_B
    assert again.locator("#scale").input_value() == "linear"
    assert _count(again).startswith("1 of 4")

    page.select_option("#machine", "")
    page.select_option("#scale", "log")
    page.wait_for_selector(".chart-card[data-rendered='1'] .main-svg")


def test_skipped_files_are_named_on_the_page(
    page_on: Any, fixture_history: SimpleNamespace
) -> None:
    """The notice lists each unreadable file with its reason."""
    notice = page_on().locator("#notice").inner_text()
    for path in fixture_history.broken.values():
        assert str(path.relative_to(fixture_history.root.parent)) in notice
    assert "not UTF-8 text" in notice


def test_regressions_view_shows_the_known_step(page_on: Any, kit: SimpleNamespace) -> None:
    """#view=regressions: the confirmed step first with its commit link, then candidate, then drift."""
    page = page_on("#view=regressions")
    rows = page.locator("#flags tbody tr")
    assert [rows.nth(i).get_attribute("data-status") for i in range(rows.count())] == [
        "confirmed",
        "candidate",
        "drift",
    ]
    text = rows.first.inner_text()
    assert "regression" in text
    assert "test_all_equal[ours]" in text
    assert rows.first.locator("a[href^='https://example.org/c/']").count() == 1
    drift = rows.nth(2).inner_text()
    assert re.search(r"baselines moved too: zarr 1\.\d\dx slower", drift), drift
    assert "same (within noise): time 1." in drift
    assert _count(page).startswith("1 confirmed (counted), 1 candidate(s), 1 drift.")
    page.select_option("#status", "confirmed")
    expect(page.locator("#flags tbody tr")).to_have_count(1)


def _card(page: Any, title: str) -> Any:
    card = page.locator(".chart-card", has=page.locator("h2", has_text=title))
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-rendered", "1")
    return card


def _fills(card: Any, color: str) -> int:
    """How many drawn points (SVG paths) are filled or stroked with ``color`` (rgb(...))."""
    styles = card.locator(".scatterlayer path.point").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('style') || '')"
    )
    return sum(1 for style in styles if color in style)


# The flag markers' colours as the browser reports them (app.js BAD, GOOD, DRIFT).
BAD, DRIFT = "rgb(192, 54, 44)", "rgb(102, 112, 133)"


def test_flag_markers_axis_labels_and_colours(page_on: Any, kit: SimpleNamespace) -> None:
    """Each flag has its marker and legend entry; log ticks are unique units; series colours differ."""
    page = page_on()
    all_equal = _card(page, "all_equal")
    legend = all_equal.locator(".legendtext").all_text_contents()
    assert legend == ["ours", "zarr", "numpy-limit", "confirmed regression"]
    assert _fills(all_equal, BAD) == 1
    drift = _card(page, "test_from_bytes")
    assert "drift" in drift.locator(".legendtext").all_text_contents()
    assert _fills(drift, DRIFT) == 1
    assert _fills(drift, BAD) == 0
    hostile = _card(page, kit.HOSTILE)
    assert "candidate regression" in hostile.locator(".legendtext").all_text_contents()
    # The badge counts the confirmed step only; candidates and drift have muted badges.
    assert all_equal.locator(".badge.regression").inner_text() == "1 regression"
    assert drift.locator(".badge.regression").count() == 0
    assert drift.locator(".badge.drift").inner_text() == "1 drift"
    assert hostile.locator(".badge.pending").inner_text() == "1 candidate"

    # Colours: ours, zarr and the limit in their fixed, distinct Okabe-Ito colours.
    lines = all_equal.locator(".scatterlayer .js-line").evaluate_all(
        "nodes => nodes.map(n => n.style.stroke)"
    )
    drawn = [stroke for stroke in lines if stroke and stroke != "rgba(0, 0, 0, 0)"]
    assert {"rgb(0, 114, 178)", "rgb(230, 159, 0)", "rgb(0, 0, 0)"} <= set(drawn)

    # Axis labels: a time unit each, all different, none overlapping another.
    for card in (all_equal, drift, hostile):
        ticks = card.locator(".yaxislayer-above .ytick text")
        labels = ticks.all_text_contents()
        assert len(labels) >= 3, labels
        assert len(set(labels)) == len(labels), labels
        assert all(re.fullmatch(r"\d+(\.\d+)? (ns|µs|ms|s)", label) for label in labels), labels
        boxes = sorted(
            (ticks.nth(i).bounding_box() for i in range(ticks.count())), key=lambda b: b["y"]
        )
        for upper, lower in itertools.pairwise(boxes):
            assert upper["y"] + upper["height"] <= lower["y"] + 0.5, labels


def test_ratio_axis_labels_have_decimals(page_on: Any) -> None:
    """The ratio charts label their log axis with plain decimals and a times sign, each once."""
    page = page_on("#view=ratios")
    page.wait_for_selector(".ratio-card[data-rendered='1'] .main-svg")
    labels = (
        page.locator(".ratio-card")
        .first.locator(".yaxislayer-above .ytick text")
        .all_text_contents()
    )
    assert len(labels) >= 2
    assert len(set(labels)) == len(labels)
    assert all(re.fullmatch(r"\d+(\.\d+)?\u00d7", label) for label in labels), labels


def test_throughput_view_for_benchmarks_that_declare_bytes(
    browser: Any, tmp_path: Path, kit: SimpleNamespace
) -> None:
    """extra_info['bytes'] makes the GB/s unit available: bytes / median time, in decimal GB."""
    import datetime as dt

    from benchkit.record import new_run_id, store_run_file

    root = tmp_path / "r"
    start = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    for number in range(3):
        entry = kit.bench_entry(
            "packages/buffer-gpu/benchmarks/test_x.py::test_h2d[ours]",
            1e-3,
            group="h2d",
            impl="ours",
        )
        entry["extra_info"]["bytes"] = 8 * 10**6  # 8 MB in 1 ms: 8 GB/s
        when = start + dt.timedelta(hours=number)
        commit = f"{number + 1:04x}".ljust(40, "e")
        raw = kit.raw_run([entry], machine_key=kit.MACHINE_B, commit=commit, when=when)
        store_run_file(root, raw, run_id=new_run_id(commit, now=when), package="p", device="gpu")
    build_site(load_history(root), tmp_path / "site")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto((tmp_path / "site" / "index.html").resolve().as_uri() + "#unit=gbps")
    card = page.locator(".chart-card[data-rendered='1']")
    expect(card).to_have_attribute("data-unit", "gbps")
    labels = card.locator(".yaxislayer-above .ytick text").all_text_contents()
    assert labels
    assert all(label.endswith(" GB/s") for label in labels), labels
    assert "8 GB/s" in labels
    context.close()


@pytest.mark.parametrize(
    "fragment",
    ["", "#x=run", "#view=regressions", "#view=compare", "#view=ratios", "#view=machines"],
    ids=["trends", "trends-by-run", "regressions", "compare", "ratios", "machines"],
)
def test_screenshot_of_each_view(
    page_on: Any, fragment: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Every view renders to a real PNG (kept in $BENCHKIT_SCREENSHOT_DIR for a person to look at)."""
    page = page_on(fragment)
    expect(page.locator("#view > *").first).to_be_visible()
    if "ratios" in fragment:
        page.wait_for_selector(".ratio-card[data-rendered='1']")
    elif "view=" not in fragment:
        page.wait_for_selector(".chart-card[data-rendered='1'] .main-svg")
    shots = Path(os.environ.get("BENCHKIT_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"benchkit-{request.node.callspec.id}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_compare_view_from_the_url(
    page_on: Any, fixture_history: SimpleNamespace, kit: SimpleNamespace
) -> None:
    """A run id in the URL gives its table against the previous commit, the regression on top."""
    ids = fixture_history.run_ids_a
    page = page_on(f"#view=compare&head={ids[kit.STEP_RUN]}")
    page.wait_for_selector("#compare-table tbody tr")
    first = page.locator("#compare-table tbody tr").first.inner_text()
    assert "test_all_equal[ours]" in first
    assert "regression" in first
    assert re.search(r"\d\.\d\dx slower against numpy-limit, zarr", first), first
    assert page.locator("#head").input_value() == ids[kit.STEP_RUN]
    shown = page.locator("#view").inner_text()
    assert "null" not in shown
    assert "undefined" not in shown
    assert "candidate" in _count(page)
    assert _count(page).startswith(f"base {fixture_history.commits_a[kit.STEP_RUN - 1][:8]}")


def test_ratio_view_draws_ours_against_zarr(page_on: Any) -> None:
    """#view=ratios: a headline and a sorted table per baseline, then small multiples."""
    page = page_on("#view=ratios")
    page.wait_for_selector(".ratio-card[data-rendered='1'] .main-svg")
    titles = page.locator(".ratio-section > h2").all_inner_texts()
    assert "ours / zarr's buffers" in titles
    headline = page.locator(".ratio-section .headline").first.inner_text()
    assert re.match(r"ours faster in \d+ of \d+, slower in \d+ beyond noise", headline), headline
    assert page.locator(".ratio-table tbody tr").count() >= 3
    assert "most history" in page.locator("#machine-note").inner_text()


def test_ratio_view_draws_each_chart_once_when_renders_overlap(page_on: Any) -> None:
    """A render started while an earlier one still awaits its data leaves one card per family."""
    page = page_on("#view=trends")
    base = page.url.split("#")[0]
    # A hash change re-renders at once; the second one lands while the first
    # ratio view still awaits its data.
    page.goto(base + "#view=ratios")
    page.goto(base + "#view=ratios&q=e")
    page.wait_for_selector(".ratio-card[data-rendered='1'] .main-svg")
    page.wait_for_timeout(500)
    sections = page.locator(".ratio-section")
    baselines = [sections.nth(i).get_attribute("data-baseline") for i in range(sections.count())]
    assert baselines
    assert len(baselines) == len(set(baselines))
    for i in range(sections.count()):
        families = sections.nth(i).locator(".ratio-card h3").all_inner_texts()
        assert len(families) == len(set(families))  # one card per workload family


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


@pytest.mark.parametrize(
    ("scenario", "legend", "badge"),
    [
        ({"drift": 1.2}, "drift", ".badge.drift"),
        ({"ours_step": 1.3}, "confirmed regression", ".badge.regression"),
    ],
    ids=["all-move-20pct", "ours-alone-30pct"],
)
def test_drift_and_a_step_of_ours_on_the_page(
    browser: Any,
    tmp_path: Path,
    kit: SimpleNamespace,
    scenario: dict[str, float],
    legend: str,
    badge: str,
) -> None:
    """All three 20 % slower: a drift marker, no regression; ours alone 30 %: a confirmed one."""
    root = tmp_path / "r"
    kit.write_paired_history(root, **scenario)
    build_site(load_history(root), tmp_path / "site")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto((tmp_path / "site" / "index.html").resolve().as_uri())
    card = page.locator(".chart-card[data-rendered='1']")
    expect(card).to_have_count(1)
    names = card.locator(".legendtext").all_text_contents()
    assert names == ["ours", "zarr", "numpy-limit", legend]
    assert card.locator(badge).count() == 1
    if legend == "drift":
        assert card.locator(".badge.regression").count() == 0
        assert _fills(card, BAD) == 0
    else:
        assert _fills(card, BAD) == 1
    context.close()


def test_a_hostile_baseline_name_is_text_in_every_ratio_label(
    browser: Any, tmp_path: Path, kit: SimpleNamespace
) -> None:
    """A baseline named like markup reaches the Ours vs zarr view, y-axis title included, as text."""
    import datetime as dt

    from benchkit.record import new_run_id, store_run_file

    root = tmp_path / "r"
    start = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    for number in range(3):
        entries = [
            kit.bench_entry(f"{kit.CPU_FILE}::test_h[ours]", 1e-3, group="h", impl="ours"),
            kit.bench_entry(
                f"{kit.CPU_FILE}::test_h[{kit.HOSTILE}]", 2e-3, group="h", impl=kit.HOSTILE
            ),
        ]
        when = start + dt.timedelta(hours=number)
        commit = f"{number + 1:04x}".ljust(40, "e")
        raw = kit.raw_run(entries, machine_key=kit.MACHINE_A, commit=commit, when=when)
        store_run_file(root, raw, run_id=new_run_id(commit, now=when), package="p", device="cpu")
    build_site(load_history(root), tmp_path / "site")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((tmp_path / "site" / "index.html").resolve().as_uri() + "#view=ratios")
    card = page.locator(".ratio-card[data-rendered='1']")
    expect(card).to_have_count(1)
    assert card.locator(".ytitle").text_content() == f"ours / {kit.HOSTILE}"
    assert page.locator(".ratio-section > h2").inner_text() == f"ours / {kit.HOSTILE}"
    assert page.locator("#view img").count() == 0
    assert dialogs == []
    context.close()
