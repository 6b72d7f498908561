"""The built documentation site in a real headless Chromium.

``nox -s docs`` builds the site and runs this module with DOCS_SITE_DIR set.
The built folder is served from disk on 127.0.0.1 by the standard library,
as any static host would serve it: Material's search runs in a web worker
that fetches its index, which a browser refuses on ``file://`` pages. Every
request that would leave this machine is refused and fails the test, so the
pages and their search are proven to work offline.

Uses Debian's ``chromium`` (or the browser DOCS_CHROMIUM names) through
Playwright; nothing is downloaded. Without one the tests skip, unless
DOCS_REQUIRE_BROWSER=1 (set by .ci/run and pages.yml), where they fail.
"""

from __future__ import annotations

import ast
import functools
import http.server
import inspect
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import buffer_core
import buffer_cpu
import buffer_gpu

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
DASHBOARD = "https://buffer-project.github.io/buffers/bench/"
SOURCES = Path(__file__).resolve().parents[3] / "packages"
ROLE = re.compile(r":[a-z]+:`~?(?:[^`<]*<)?([^`>]+)>?`")


def _unavailable(reason: str) -> None:
    if os.environ.get("DOCS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and DOCS_REQUIRE_BROWSER=1 demands the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site() -> Path:
    folder = os.environ.get("DOCS_SITE_DIR")
    if not folder:
        pytest.skip("DOCS_SITE_DIR is not set: run `nox -s docs`, which builds the site first")
    root = Path(folder)
    assert (root / "index.html").is_file(), f"DOCS_SITE_DIR={folder} holds no built site"
    return root


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    """The site folder served on a free loopback port for the module's tests."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    names = (os.environ.get("DOCS_CHROMIUM"), "chromium", "chromium-browser")
    executable = next((found for name in names if name and (found := shutil.which(name))), None)
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (tools/docs/requirements.txt)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def open_page(browser: Any, base_url: str) -> Iterator[Any]:
    """Open a page of the served site, recording script errors and refusing other hosts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    events: dict[str, list[str]] = {"errors": [], "off_machine": []}

    def record(route: Any) -> None:
        url = route.request.url
        if url.startswith(base_url) or url.split(":", 1)[0] in {"data", "blob", "about"}:
            route.continue_()
        else:
            events["off_machine"].append(url)
            route.abort()

    context.route("**/*", record)

    def opener(path: str) -> Any:
        page = context.new_page()
        page.on("pageerror", lambda error: events["errors"].append(str(error)))
        page.goto(base_url + path)
        return page

    yield opener
    context.close()
    assert events == {"errors": [], "off_machine": []}


def _public_names(cls: type) -> list[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_"))


def _docstring(cls: type, name: str) -> str:
    """The first docstring of ``name`` along ``cls``'s MRO, as Python finds the attribute."""
    for klass in cls.__mro__:
        if name in vars(klass):
            value = vars(klass)[name]
            if not (callable(value) or isinstance(value, (property, classmethod, staticmethod))):
                # A value set by an implementation (its `memory`): the page shows the
                # attribute as the class declaring it documents it.
                continue
            doc = inspect.getdoc(value)
            if doc:
                return doc
    pytest.fail(f"{cls.__qualname__}.{name} has no docstring in any of its classes")


def _summary(doc: str) -> str:
    """A docstring's first sentence as the page shows it: roles as their titles, no backticks."""
    first = doc.split("\n\n", 1)[0]
    text = ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], first).replace("`", "")
    return " ".join(text.split()).split(". ", 1)[0]


CLASSES = [
    ("api/buffer_core.html", buffer_core.Buffer),
    ("api/buffer_core.html", buffer_core.NDBuffer),
    ("api/buffer_cpu.html", buffer_cpu.Buffer),
    ("api/buffer_cpu.html", buffer_cpu.NDBuffer),
    ("api/buffer_gpu.html", buffer_gpu.Buffer),
    ("api/buffer_gpu.html", buffer_gpu.NDBuffer),
]


@pytest.mark.parametrize(
    ("path", "cls"), CLASSES, ids=[f"{c.__module__.split('.')[0]}.{c.__name__}" for _, c in CLASSES]
)
def test_api_page_documents_every_public_method(open_page: Any, path: str, cls: type) -> None:
    """Each public method and property has its entry, in the page's contents, with its docstring.

    For the implementations the text is the abstract class's, inherited:
    nothing is copied into buffer_cpu or buffer_gpu to get it there.
    """
    page = open_page(path)
    prefix = f"{cls.__module__.split('.')[0]}.{cls.__name__}"
    for name in _public_names(cls):
        anchor = f"{prefix}.{name}"
        heading = page.locator(f"[id='{anchor}']")
        assert heading.count() == 1, f"{anchor} has no entry on {path}"
        assert name in heading.inner_text()
        assert page.locator(f".md-nav--secondary a[href='#{anchor}']").count() >= 1, anchor
        doc = _docstring(cls, name)
        contents = page.locator(
            f"xpath=//*[@id='{anchor}']/following-sibling::div[contains(@class, 'doc-contents')]"
        ).first
        shown = " ".join(contents.inner_text().split())
        assert _summary(doc) in shown, f"{anchor}: the docstring is not shown"


def _declared_all(source: Path) -> list[str]:
    """A module's ``__all__``, read from its source (the zarr adapters need zarr to import)."""
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            names: list[str] = ast.literal_eval(node.value)
            return names
    pytest.fail(f"{source} declares no __all__")


MODULES = {
    "buffer_core": "buffer-core/src/buffer_core/__init__.py",
    "buffer_core.compare": "buffer-core/src/buffer_core/compare.py",
    "buffer_core.implementing": "buffer-core/src/buffer_core/implementing.py",
    "buffer_core.testing": "buffer-core/src/buffer_core/testing/__init__.py",
    "buffer_cpu": "buffer-cpu/src/buffer_cpu/__init__.py",
    "buffer_cpu.zarr": "buffer-cpu/src/buffer_cpu/zarr.py",
    "buffer_gpu": "buffer-gpu/src/buffer_gpu/__init__.py",
    "buffer_gpu.zarr": "buffer-gpu/src/buffer_gpu/zarr.py",
}


@pytest.mark.parametrize("module", list(MODULES))
def test_api_pages_document_every_public_name(open_page: Any, module: str) -> None:
    """Every name in a public module's ``__all__`` has an entry on its package's page."""
    names = _declared_all(SOURCES / MODULES[module])
    page_name = module if module == "buffer_core.testing" else module.split(".", maxsplit=1)[0]
    page = open_page(f"api/{page_name}.html")
    missing = [name for name in names if page.locator(f"[id='{module}.{name}']").count() != 1]
    assert not missing, f"{module}: no entry for {missing}"


def test_api_page_shows_signatures_with_types(open_page: Any) -> None:
    """A method's entry shows its parameters with their annotations."""
    page = open_page("api/buffer_cpu.html")
    signature = page.locator(
        "xpath=//*[@id='buffer_cpu.NDBuffer.create']"
        "/following-sibling::div[contains(@class, 'doc-signature')]"
    ).first
    # Quotes as ruff formats the signature: double.
    text = " ".join(signature.inner_text().split()).replace("'", '"')
    for part in ("shape: Iterable[int]", "dtype: DTypeLike", 'order: Literal["C", "F"] = "C"'):
        assert part in text


def test_search_works_offline(open_page: Any) -> None:
    """Typing in the search box lists API entries, with no server and no network."""
    page = open_page("")
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").press_sequentially("all_equal")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    links = [
        results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())
    ]
    assert any("api/buffer_core.html" in (link or "") for link in links), links


def test_pages_work_opened_from_disk(browser: Any, site: Path) -> None:
    """Opened as a file, with no server, every navigation link leads to a page, never a folder.

    A folder link (``guide/zarr/``) opened from disk shows the browser's file
    listing; mkdocs.yml's ``use_directory_urls: false`` makes them file links.
    """
    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    hrefs = {
        href
        for link in page.locator("nav.md-nav--primary a.md-nav__link[href]").all()
        if (href := link.get_attribute("href")) and not href.startswith(("http:", "https:", "#"))
    }
    assert len(hrefs) >= 10, hrefs
    for href in sorted(hrefs):
        target = site / href.split("#", 1)[0]
        assert target.suffix == ".html", f"{href} links a folder, not a page"
        assert target.is_file(), f"{href} is not a page of the site"
    page.locator("nav.md-nav--primary a.md-nav__link[href='guide/errors.html']").first.click()
    page.wait_for_url("**/guide/errors.html")
    # The heading ends with its permalink sign.
    assert page.locator("article h1").inner_text().removesuffix("¶").strip() == "Errors"
    context.close()


def test_home_links_to_the_dashboard(open_page: Any) -> None:
    """The navigation links to the benchmark dashboard published beside the docs."""
    page = open_page("")
    assert page.locator(f"a[href='{DASHBOARD}']").count() >= 1
