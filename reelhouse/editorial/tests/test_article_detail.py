from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from reelhouse.conftest import Showcase
from reelhouse.editorial.models import Article
from reelhouse.lib.testing import page_text

pytestmark = pytest.mark.django_db


def test_it_shows_the_article_with_cards_of_its_films(client: Client, showcase: Showcase) -> None:
    response = client.get(showcase.article.get_absolute_url())
    text = page_text(response)
    assert showcase.article.headline in text
    assert "Films in this article The Red Shoes 2025" in text
    assert "The Red Shoes 1948" in text
    assert "People in this article Luca Guadagnino" in text
    html = response.content.decode()
    assert showcase.red_shoes.get_absolute_url() in html
    assert html.count("<p>") >= 5  # the body's paragraphs, rendered from Markdown


def test_it_escapes_html_in_a_body(client: Client) -> None:
    article = Article.objects.create(
        headline="Careful",
        slug="careful",
        author_name="Ed",
        status="published",
        published_at=timezone.now(),
        body="Hello <script>alert(1)</script> **world**",
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<strong>world</strong>" in html


@pytest.mark.parametrize(
    ("status", "published_at"),
    [
        ("draft", timezone.now()),
        ("published", None),
        ("published", timezone.now() + dt.timedelta(days=1)),
    ],
)
def test_unpublished_articles_are_404(
    client: Client, status: str, published_at: dt.datetime | None
) -> None:
    article = Article.objects.create(
        headline="Soon",
        slug="soon",
        author_name="Ed",
        status=status,
        published_at=published_at,
        body="x",
    )
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get("/api/v1/articles/soon").status_code == 404


def test_the_title_page_links_the_article(client: Client, showcase: Showcase) -> None:
    html = client.get(showcase.red_shoes.get_absolute_url()).content.decode()
    assert showcase.article.get_absolute_url() in html


def test_the_home_page_features_the_latest_article(client: Client, showcase: Showcase) -> None:
    text = page_text(client.get("/"))
    assert f"Feature {showcase.article.headline}" in text
    assert "Popular on Reelhouse The Red Shoes 1948" in text


def test_the_api_returns_an_article(client: Client, showcase: Showcase) -> None:
    body = client.get(f"/api/v1/articles/{showcase.article.slug}").json()
    assert body["headline"] == showcase.article.headline
    assert {t["year"] for t in body["titles"]} == {1948, 2025}
    assert [p["name"] for p in body["people"]] == ["Luca Guadagnino"]
    assert body["body_html"].startswith("<p>")
