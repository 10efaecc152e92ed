"""The reference title page in a real browser: what a visitor sees, clicks and types.

Drives Debian's /usr/bin/chromium (never a downloaded browser) against pytest-django's live server
with the showcase loaded, and saves full-page screenshots for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from reelhouse.conftest import Showcase

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# Text of the first folded review (technicolor_tess) that sits behind its "… more".
FOLDED_TEXT = "Rehearsal rooms, train carriages and a grand hotel on the Riviera"


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("REELHOUSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an asyncio event loop in this thread (and switches in and out
    # of it with greenlets), so while the browser is up Django sees a running loop here and
    # refuses every ORM call from this thread with SynchronousOnlyOperation: a query in the
    # test body, or a database fixture set up after this one. No coroutine touches the database
    # at the same time, so telling Django the calls are safe is true. (The live server answers
    # from threads of its own, which have no event loop and do not need this.)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    # One folder per database, so the SQLite and PostgreSQL runs keep their own pictures.
    root = Path(os.environ.get("REELHOUSE_ARTIFACTS") or Path(settings.BASE_DIR) / "artifacts")
    folder = root / "screenshots" / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def watched_page(context: BrowserContext, problems: list[str]) -> Page:
    """A page whose console errors, uncaught exceptions and failed responses land in `problems`.

    Chromium logs each Content-Security-Policy violation as a console error ("Executing inline
    script violates the following Content Security Policy directive ..."), so those land too.
    """

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", on_response)
    return page


@pytest.mark.browser
def test_title_page_in_a_browser(
    live_server: LiveServer, showcase: Showcase, chromium: Browser, screenshots: Path
) -> None:
    problems: list[str] = []
    title_url = live_server.url + showcase.red_shoes.get_absolute_url()
    article_path = showcase.article.get_absolute_url()
    context = chromium.new_context(viewport=DESKTOP)
    context.set_default_timeout(5_000)
    page = watched_page(context, problems)

    # The header's facts.
    page.goto(title_url)
    expect(page).to_have_title("The Red Shoes (1948) — Reelhouse")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Red Shoes (1948)")
    facts = page.get_by_role("list", name="Facts")
    expect(facts.locator("time")).to_have_text("October 22, 1948")
    expect(facts.locator("time")).to_have_attribute("datetime", "1948-10-22")
    expect(facts.locator(".badge.cert")).to_have_text("Certification NR")
    expect(page.locator(".title-facts .rating")).to_have_text("Rating: 8.1/10")
    expect(page.get_by_role("heading", name="Reviews 8")).to_be_visible()

    # The rails: first card of each, with its provider badge.
    similar = page.get_by_role("list", name="Similar titles").get_by_role("listitem")
    expect(similar).to_have_count(10)
    expect(similar.first.locator(".card-title")).to_have_text("Amadeus 1984")
    expect(similar.first.locator(".badge.provider")).to_have_text("Prime Video")
    recommended = page.get_by_role("list", name="You may also like").get_by_role("listitem")
    expect(recommended).to_have_count(10)
    expect(recommended.first.locator(".card-title")).to_have_text("Black Narcissus 1947")
    expect(recommended.first.locator(".badge.provider")).to_have_text("Max")
    page.screenshot(path=screenshots / "title-1280.png", full_page=True)

    # Tabs by mouse: Synopsis starts selected; each click shows its panel and hides the others.
    tab_names = ["Trailer", "Synopsis", "Cast"]
    tabs = {name: page.get_by_role("tab", name=name) for name in tab_names}
    panels = {name: page.locator(f"#{name.lower()}") for name in tab_names}

    def expect_selected(selected: str) -> None:
        for name in tab_names:
            expect(tabs[name]).to_have_attribute("aria-selected", str(name == selected).lower())
            if name == selected:
                expect(panels[name]).to_be_visible()
            else:
                expect(panels[name]).to_be_hidden()

    expect_selected("Synopsis")
    expect(panels["Synopsis"]).to_contain_text("Victoria Page longs to dance at the very top")
    tabs["Trailer"].click()
    expect_selected("Trailer")
    expect(page).to_have_url(title_url + "#trailer")
    expect(panels["Trailer"]).to_contain_text("No trailer for The Red Shoes yet.")
    tabs["Cast"].click()
    expect_selected("Cast")
    cast = panels["Cast"].locator(".cast-list > li")
    expect(cast).to_have_count(10)
    expect(cast.first).to_have_text("Moira Shearer as Victoria Page")

    # Tabs by keyboard: arrows move the selection and the focus, wrapping at the ends.
    tabs["Trailer"].click()
    tabs["Trailer"].press("ArrowRight")
    expect_selected("Synopsis")
    expect(tabs["Synopsis"]).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect_selected("Cast")
    expect(tabs["Cast"]).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect_selected("Trailer")
    page.keyboard.press("ArrowLeft")
    expect_selected("Cast")
    expect(tabs["Cast"]).to_be_focused()

    # A long review folds behind "… more"; the summary unfolds it in place.
    review = page.locator(".reviews article.review").filter(has_text="technicolor_tess")
    more = review.locator("details.more > summary")
    expect(more).to_have_text("… more", use_inner_text=True)
    expect(review.get_by_text(FOLDED_TEXT)).to_be_hidden()
    more.click()
    expect(review.get_by_text(FOLDED_TEXT)).to_be_visible()
    expect(more).to_have_text("less", use_inner_text=True)
    page.screenshot(path=screenshots / "title-1280-review-open.png", full_page=True)

    # The first similar title, and back.
    similar.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amadeus (1984)")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Red Shoes (1948)")

    # The article about both films.
    page.get_by_role("link", name=showcase.article.headline).click()
    expect(page).to_have_url(live_server.url + article_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(showcase.article.headline)
    covered = page.get_by_role("region", name="Films in this article")
    # Newest first: the view orders the article's titles by year, descending.
    expect(covered.locator(".card-title")).to_have_text(
        ["The Red Shoes 2025", "The Red Shoes 1948"]
    )
    page.screenshot(path=screenshots / "article-1280.png", full_page=True)

    # A person from the Cast tab, with the film in their filmography.
    page.go_back()
    tabs["Cast"].click()
    panels["Cast"].get_by_role("link", name="Moira Shearer").click()
    expect(page).to_have_url(live_server.url + showcase.moira_shearer.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Moira Shearer")
    expect(page.locator(".filmography > li").first).to_have_text(
        re.compile(r"^1948\s+The Red Shoes\s+Victoria Page$")
    )
    context.close()

    # A phone: the same page in 390 CSS pixels, without sideways scrolling.
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.set_default_timeout(5_000)
    page = watched_page(phone, problems)
    page.goto(title_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("The Red Shoes (1948)")
    page.screenshot(path=screenshots / "title-390.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()

    assert not problems, "the browser reported:\n" + "\n".join(problems)
