from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.documents import title_document_build
from reelhouse.catalog.models import Title, TitleDocument, TitleRelation, Video
from reelhouse.catalog.tests.factories import make_cast, make_rail, make_review, make_title
from reelhouse.conftest import Showcase
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def test_it_shows_the_reference_page(client: Client, showcase: Showcase) -> None:
    response = client.get(showcase.red_shoes.get_absolute_url())
    assert response.status_code == 200
    text = page_text(response)
    for fact in [
        "The Red Shoes (1948)",
        "October 22, 1948",
        "NR",
        "Rating: 8.1 /10",
        "Directed by Michael Powell and Emeric Pressburger",
        "Moira Shearer as Victoria Page",
        "Austin Trevor as Prof. Palmer",
        "Trailer Synopsis Cast",
        "No trailer for The Red Shoes yet",
        "Similar titles",
        "Amadeus 1984 Prime Video",
        "Asher 2018 Starz",
        "You may also like",
        "Black Narcissus 1947 Max",
        "I Know Where I'm Going! 1947 MGM+",
        "Reimagined as The Red Shoes 2025",
        "Guadagnino Laces Up The Red Shoes",
        "Reviews 8",
        "… more",
    ]:
        assert fact in text, fact


def test_its_cast_keeps_the_seeds_billing_order(client: Client, showcase: Showcase) -> None:
    text = page_text(client.get(showcase.red_shoes.get_absolute_url()))
    names = [
        "Moira Shearer",
        "Adolf Wohlbrück",
        "Marius Goring",
        "Léonide Massine",
        "Robert Helpmann",
        "Albert Bassermann",
        "Esmond Knight",
        "Ludmilla Tchérina",
        "Bill Shine",
        "Austin Trevor",
    ]
    positions = [text.index(f"{name} as") for name in names]
    assert positions == sorted(positions)


def test_the_reimagining_links_back(client: Client, showcase: Showcase) -> None:
    text = page_text(client.get(showcase.red_shoes_2025.get_absolute_url()))
    assert "Reimagining of The Red Shoes 1948" in text
    assert "Directed by Luca Guadagnino" in text
    assert "NR" in text  # no certification known anywhere
    assert "not rated yet" in text


def test_it_folds_long_reviews_and_not_short_ones(client: Client) -> None:
    film = make_title()
    make_review(film, "Loved it.")
    make_review(film, "A sentence that goes on. " * 60)
    html = client.get(film.get_absolute_url()).content.decode()
    assert html.count('<details class="more">') == 1
    assert "Loved it." in html


def test_it_hides_spoilers_behind_a_disclosure(client: Client) -> None:
    film = make_title()
    make_review(film, "The ending is a twist.", is_spoiler=True)
    html = client.get(film.get_absolute_url()).content.decode()
    assert '<details class="spoiler">' in html


def test_it_embeds_the_trailer_when_there_is_one(client: Client) -> None:
    film = make_title()
    Video.objects.create(title=film, site="YouTube", key="abc123", kind="Trailer", is_official=True)
    html = client.get(film.get_absolute_url()).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/abc123"' in html


def test_it_redirects_to_the_canonical_address(client: Client, showcase: Showcase) -> None:
    film = showcase.red_shoes
    for path in [f"/title/{film.pk}/", f"/title/{film.pk}-wrong-slug/"]:
        response = client.get(path + "?region=GB")
        assert response.status_code == 301
        assert response["Location"] == film.get_absolute_url() + "?region=GB"


def test_it_shows_offers_for_the_region_asked(client: Client) -> None:
    film = make_title()
    other = make_rail(film, "similar", 1, region="GB")[0]
    us = page_text(client.get(other.get_absolute_url()))
    gb = page_text(client.get(other.get_absolute_url() + "?region=gb"))
    assert "No streaming, rental or purchase offers known here" in us
    assert "Where to watch in GB Prime Video stream" in gb


@pytest.mark.parametrize("region", ["zzz", "1", "U$"])
def test_it_rejects_a_malformed_region(client: Client, region: str) -> None:
    film = make_title()
    response = client.get(film.get_absolute_url(), {"region": region})
    assert response.status_code == 400
    assert "two-letter country code" in response.content.decode()


def test_an_unknown_title_is_a_friendly_404(client: Client) -> None:
    response = client.get("/title/987654-nothing/")
    assert response.status_code == 404
    assert "We couldn&#39;t find that" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_an_anonymous_page_is_the_same_bytes_for_everyone(
    client: Client, showcase: Showcase
) -> None:
    url = showcase.red_shoes.get_absolute_url()
    first = client.get(url)
    second = Client().get(url)
    assert first.content == second.content
    assert not first.cookies
    assert "Cookie" not in first.get("Vary", "")


def test_it_sends_a_content_security_policy(client: Client, showcase: Showcase) -> None:
    header = client.get(showcase.red_shoes.get_absolute_url())["Content-Security-Policy"]
    policy = dict(d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert "unsafe-inline" not in header


def _title_with(size: int) -> Title:
    film = make_title(f"Film with {size}")
    make_cast(film, size)
    make_rail(film, "similar", size)
    make_rail(film, "recommended", size)
    for _ in range(size):
        make_review(film)
    return film


def _queries(func: object) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()  # type: ignore[operator]
    return len(captured)


def test_its_query_count_does_not_grow_with_its_content(client: Client) -> None:
    small, large = _title_with(3), _title_with(30)
    build = [_queries(lambda f=f: title_document_build(f.pk)) for f in (small, large)]
    assert build[0] == build[1]

    TitleDocument.objects.all().delete()
    cold = [_queries(lambda f=f: client.get(f.get_absolute_url())) for f in (small, large)]
    warm = [_queries(lambda f=f: client.get(f.get_absolute_url())) for f in (small, large)]
    assert cold[0] == cold[1]
    assert warm == [1, 1]


def test_a_new_review_shows_on_the_next_view(client: Client) -> None:
    film = make_title()
    client.get(film.get_absolute_url())
    assert TitleDocument.objects.filter(title=film).exists()
    make_review(film, "Seen it twice now.")
    assert "Seen it twice now." in client.get(film.get_absolute_url()).content.decode()


def test_a_changed_rail_title_refreshes_the_pages_that_show_it(client: Client) -> None:
    film = make_title()
    other = make_rail(film, "similar", 1)[0]
    client.get(film.get_absolute_url())
    other.synopsis = "A brand new synopsis."
    other.save()
    assert "A brand new synopsis." in client.get(film.get_absolute_url()).content.decode()


def test_a_deleted_relation_leaves_the_page(client: Client) -> None:
    film = make_title()
    other = make_rail(film, "similar", 1)[0]
    client.get(film.get_absolute_url())
    TitleRelation.objects.filter(source=film).delete()
    assert other.title not in client.get(film.get_absolute_url()).content.decode()


def test_the_icon_browsers_look_for_by_default_leads_to_ours(client: Client) -> None:
    # Asked for beside pages that name no icon (the API's JSON); a 404 there filled the logs.
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("img/favicon.svg")
    assert finders.find("img/favicon.svg")
    assert "max-age=86400" in response["Cache-Control"]
