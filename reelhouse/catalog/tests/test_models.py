from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError

from reelhouse.catalog.models import (
    Certification,
    Title,
    TitleRelation,
    Video,
    certification_choose,
    trailer_choose,
)
from reelhouse.catalog.tests.factories import make_title


def test_it_shows_the_regions_own_certification() -> None:
    assert certification_choose({"US": "PG-13", "GB": "12A"}, "gb") == "12A"


def test_it_falls_back_to_the_us_certification() -> None:
    assert certification_choose({"US": "R", "DE": ""}, "DE") == "R"


def test_it_shows_nr_when_no_certification_is_known() -> None:
    assert certification_choose({}, "FR") == "NR"
    assert certification_choose({"US": " "}, "US") == "NR"


@pytest.mark.django_db
def test_title_certification_reads_its_rows() -> None:
    film = make_title()
    Certification.objects.create(title=film, region="GB", value="PG")
    assert film.certification("GB") == "PG"
    assert film.certification("JP") == "NR"


@pytest.mark.parametrize(
    ("value", "shown"), [(8.1, "8.1"), (6.966, "7.0"), (10, "10.0"), (0, "0.0"), (None, "")]
)
def test_it_displays_ratings_with_one_decimal(value: float | None, shown: str) -> None:
    assert Title(title="x", rating=value).rating_display == shown


@pytest.mark.django_db
def test_it_refuses_a_rating_outside_0_to_10() -> None:
    with pytest.raises(IntegrityError):
        make_title(rating=10.5)


@pytest.mark.django_db
def test_a_relation_reads_both_ways() -> None:
    original, remake = make_title("Original", year=1948), make_title("Remake", year=2025)
    relation = TitleRelation.objects.create(
        source=remake, target=original, kind=TitleRelation.Kind.REIMAGINING_OF
    )
    assert relation.label_from(remake.pk) == "Reimagining of"
    assert relation.label_from(original.pk) == "Reimagined as"
    assert relation.other_end(original.pk) == remake
    with pytest.raises(ValueError, match="not part of"):
        relation.label_from(make_title().pk)


@pytest.mark.django_db
def test_every_relation_kind_has_an_inverse_label() -> None:
    assert set(TitleRelation.INVERSE_LABELS) == set(TitleRelation.Kind.values)


@pytest.mark.django_db
def test_a_title_cannot_relate_to_itself() -> None:
    film = make_title()
    with pytest.raises(IntegrityError):
        TitleRelation.objects.create(source=film, target=film, kind="remake_of")


def _video(**fields: object) -> Video:
    defaults: dict[str, object] = {"site": "YouTube", "key": "k", "kind": "Trailer"}
    return Video(**{**defaults, **fields})


def test_it_prefers_official_youtube_trailers_then_size_then_newest() -> None:
    teaser = _video(key="teaser", kind="Teaser", is_official=True, size=1080)
    fan = _video(key="fan", is_official=False, size=1080)
    small = _video(key="small", is_official=True, size=480)
    old = _video(
        key="old", is_official=True, size=1080, published_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    new = _video(
        key="new", is_official=True, size=1080, published_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    assert trailer_choose([teaser, fan, small, old, new]) == new
    assert trailer_choose([teaser, _video(key="clip", kind="Clip")]) == teaser
    assert trailer_choose([_video(kind="Featurette")]) is None


def test_videos_embed_without_tracking_cookies() -> None:
    assert _video(key="abc").embed_url == "https://www.youtube-nocookie.com/embed/abc"
    assert _video(site="Vimeo", key="42").embed_url == "https://player.vimeo.com/video/42"


def test_a_title_is_released_by_its_date_or_year() -> None:
    assert Title(release_date=dt.date(1948, 10, 22)).is_released
    assert not Title(release_date=dt.date(2999, 1, 1)).is_released
    assert not Title(year=2999).is_released
