"""A member in a real browser: sign in, rate the reference title from its page, add it to the
watchlist, find it on Your watchlist and Your ratings; then the same without JavaScript.

Drives Debian's /usr/bin/chromium as the title page's browser test does (its fixtures come in
through conftest.py) and fails on any console error, CSP violation or failed response.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from reelhouse.catalog.tests.test_title_page_browser import DESKTOP, PHONE, watched_page
from reelhouse.community.http import SIGNED_IN_COOKIE
from reelhouse.community.models import User
from reelhouse.community.tests.factories import PASSWORD
from reelhouse.conftest import Showcase

# Every database row is made by fixtures that run before `chromium`, and the test body reads
# the results through pages only: an ORM call made while Playwright's event loop runs opens a
# connection of its own that nothing closes, and PostgreSQL then refuses to drop the test
# database at the end of the run.


def _sign_in(page: Page) -> None:
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _hint(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == SIGNED_IN_COOKIE), None)


@pytest.mark.browser
def test_a_member_rates_and_watchlists_from_the_title_page(
    live_server: LiveServer, showcase: Showcase, alice: User, chromium: Browser, screenshots: Path
) -> None:
    film = showcase.red_shoes
    title_url = live_server.url + film.get_absolute_url()
    problems: list[str] = []
    context = chromium.new_context(viewport=DESKTOP)
    context.set_default_timeout(5_000)
    page = watched_page(context, problems)

    # A visitor: the page's own link, no fragment asked for.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(title_url)
    you = page.get_by_role("region", name="Your rating and watchlist")
    expect(you.get_by_role("link")).to_have_text("Rate The Red Shoes or add it to your watchlist")
    assert not [url for url in requests if "/you/fragment/" in url or "/accounts/menu/" in url]

    # Sign in from the header, and land back on the title.
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.screenshot(path=screenshots / "sign-in-1280.png", full_page=True)
    _sign_in(page)
    expect(page).to_have_url(title_url)
    assert _hint(context) == "1"
    account = page.get_by_role("navigation", name="Your account")
    expect(account).to_contain_text("alice")
    expect(account.get_by_role("link", name="Watchlist")).to_be_visible()

    # Rate it 4½ stars in place: the fragment comes back with the rating, focus stays put.
    expect(you.locator("legend")).to_have_text("Rate The Red Shoes")
    you.locator("label[title='4½ stars']").click()
    you.get_by_role("button", name="Save rating").click()
    expect(you.locator("legend")).to_have_text("Your rating: 4½ stars")
    expect(you.get_by_role("radio", name="4½ stars", exact=True)).to_be_checked()
    expect(you.get_by_role("button", name="Change rating")).to_be_focused()
    expect(you.get_by_role("status")).to_have_text("Your rating: 4½ stars. Not on your watchlist.")
    assert page.url == title_url  # posted by fetch: no page load

    # Add it to the watchlist.
    you.get_by_role("button", name="Add to watchlist").click()
    expect(you.locator(".on-watchlist")).to_have_text("✓ On your watchlist")
    expect(you.get_by_role("button", name="Remove from watchlist")).to_be_focused()
    page.screenshot(path=screenshots / "title-signed-in-1280.png", full_page=True)

    # Your watchlist and Your ratings show it.
    account.get_by_role("link", name="Watchlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your watchlist 1")
    listed = page.get_by_role("list", name="Films on your watchlist").get_by_role("listitem")
    expect(listed).to_have_count(1)
    expect(listed.first.locator(".card-title")).to_have_text("The Red Shoes 1948")
    page.screenshot(path=screenshots / "watchlist-1280.png", full_page=True)
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Ratings").click()
    rated = page.get_by_role("list", name="Films you rated").get_by_role("listitem")
    expect(rated.first.locator(".card-title")).to_have_text("The Red Shoes 1948")
    expect(rated.first.locator(".stars-now")).to_have_text("★★★★½")
    page.screenshot(path=screenshots / "ratings-1280.png", full_page=True)

    # Remove the rating from the title page, then sign out.
    page.goto(title_url)
    you.get_by_role("button", name="Remove rating").click()
    expect(you.locator("legend")).to_have_text("Rate The Red Shoes")
    expect(you.get_by_role("button", name="Save rating")).to_be_focused()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    assert _hint(context) is None
    expect(page.get_by_role("navigation", name="Your account")).to_contain_text("Sign in")
    page.goto(live_server.url + "/accounts/sign-up/")
    page.screenshot(path=screenshots / "sign-up-1280.png", full_page=True)
    context.close()

    # A phone, 390 CSS pixels: every new page without sideways scrolling.
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.set_default_timeout(5_000)
    page = watched_page(phone, problems)
    page.goto(live_server.url + "/accounts/sign-up/")
    page.screenshot(path=screenshots / "sign-up-390.png", full_page=True)
    _fits(page, PHONE["width"])
    page.goto(live_server.url + f"/accounts/sign-in/?next={film.get_absolute_url()}")
    page.screenshot(path=screenshots / "sign-in-390.png", full_page=True)
    _fits(page, PHONE["width"])
    _sign_in(page)
    expect(
        page.get_by_role("region", name="Your rating and watchlist").locator("legend")
    ).to_have_text("Rate The Red Shoes")
    page.screenshot(path=screenshots / "title-signed-in-390.png", full_page=True)
    _fits(page, PHONE["width"])
    for path, name in [
        ("/me/watchlist/", "watchlist-390.png"),
        ("/me/ratings/", "ratings-390.png"),
        (f"/title/{film.pk}/you/", "title-you-390.png"),
    ]:
        page.goto(live_server.url + path)
        page.screenshot(path=screenshots / name, full_page=True)
        _fits(page, PHONE["width"])
    phone.close()

    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.mark.browser
def test_a_member_without_javascript_uses_the_titles_own_page(
    live_server: LiveServer, showcase: Showcase, alice: User, chromium: Browser, screenshots: Path
) -> None:
    film = showcase.red_shoes
    problems: list[str] = []
    context = chromium.new_context(viewport=DESKTOP, java_script_enabled=False)
    context.set_default_timeout(5_000)
    page = watched_page(context, problems)
    page.goto(live_server.url + f"/accounts/sign-in/?next={film.get_absolute_url()}")
    _sign_in(page)

    # The cached page cannot know who is reading it: its link leads to the forms.
    page.get_by_role("link", name="Rate The Red Shoes or add it to your watchlist").click()
    expect(page).to_have_url(live_server.url + f"/title/{film.pk}/you/")
    page.locator("label[title='3 stars']").click()
    page.get_by_role("button", name="Save rating").click()
    expect(page.locator("legend")).to_have_text("Your rating: 3 stars")
    page.get_by_role("button", name="Add to watchlist").click()
    expect(page.locator(".on-watchlist")).to_have_text("✓ On your watchlist")
    expect(page).to_have_url(live_server.url + f"/title/{film.pk}/you/")
    page.screenshot(path=screenshots / "title-you-1280.png", full_page=True)

    page.get_by_role("link", name="← The Red Shoes (1948)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Red Shoes (1948)")
    context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)
