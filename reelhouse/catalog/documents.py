"""The title document: one precomputed JSON object per title that its page and API read.

Building one costs a fixed number of queries however large the title's cast, rails or reviews;
reading one costs a single query. A write that changes what a page shows deletes the documents it
touches (`title_documents_invalidate`), and the next read builds them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from reelhouse.catalog.merge import SOURCE_PRIORITY
from reelhouse.catalog.models import (
    AVAILABILITY_ORDER,
    Availability,
    Title,
    TitleDocument,
    TitleRelation,
    trailer_choose,
)
from reelhouse.lib.text import fold, shorten

# Bump when the document's shape changes: older documents are rebuilt on their next read.
# 2: rail cards carry "reasons".
DOCUMENT_VERSION = 2
REVIEWS_ON_PAGE = 10
RAIL_LENGTH = 20


class ProviderOffer(TypedDict):
    name: str
    slug: str
    kind: str
    link: str
    logo_url: str


class TitleCard(TypedDict):
    id: int
    title: str
    year: int | None
    kind: str
    url: str
    synopsis: str
    poster_url: str
    rating: float | None
    providers: dict[str, list[ProviderOffer]]


class RailCard(TitleCard):
    # Why the title is on the rail, strongest first: "Same director: Michael Powell".
    reasons: list[str]


# What an imported or editorial list entry says about itself, by the list's origin.
ORIGIN_REASONS: dict[str, str] = {
    TitleRelation.Origin.EDITORIAL: "Picked by our editors",
    TitleRelation.Origin.TMDB: "Listed as {kind} by TMDB",
    TitleRelation.Origin.IMDB: "Listed as {kind} by IMDb",
    TitleRelation.Origin.MOVIELENS: "Listed as {kind} by MovieLens",
    TitleRelation.Origin.REELHOUSE: "Picked by Reelhouse",
}
# The computed rail that fills each imported list once its own entries run out.
COMPUTED_KINDS = {"similar": "similar", "recommended": "also_liked"}


def _origin_reason(origin: str, kind: str) -> str:
    words = {"similar": "similar", "recommended": "a recommendation"}[kind]
    return ORIGIN_REASONS.get(origin, "Picked by our editors").format(kind=words)


def title_cards(title_ids: Iterable[int]) -> dict[int, TitleCard]:
    """Cards (title, year, short synopsis, poster, offers by region), in the order asked.

    Two queries, however many titles.
    """
    ids = list(dict.fromkeys(title_ids))
    if not ids:
        return {}
    offers = _offers_by_title(ids)
    rows = Title.objects.filter(pk__in=ids).only(
        "id", "title", "year", "kind", "slug", "synopsis", "poster_url", "rating"
    )
    by_id = {t.pk: t for t in rows}
    cards: dict[int, TitleCard] = {}
    for t in (by_id[pk] for pk in ids if pk in by_id):
        cards[t.pk] = {
            "id": t.pk,
            "title": t.title,
            "year": t.year,
            "kind": t.kind,
            "url": reverse("catalog:detail", args=[t.pk, t.slug]),
            "synopsis": shorten(t.synopsis),
            "poster_url": t.poster_url,
            "rating": t.rating,
            "providers": offers.get(t.pk, {}),
        }
    return cards


def _offers_by_title(ids: list[int]) -> dict[int, dict[str, list[ProviderOffer]]]:
    rows = (
        Availability.objects.filter(title_id__in=ids)
        .select_related("provider")
        .order_by("region", "provider__display_priority", "provider__name")
    )
    result: dict[int, dict[str, list[ProviderOffer]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        result[row.title_id][row.region].append(
            {
                "name": row.provider.name,
                "slug": row.provider.slug,
                "kind": row.kind,
                "link": row.link or row.provider.homepage,
                "logo_url": row.provider.logo_url,
            }
        )
    for regions in result.values():
        for offers in regions.values():
            offers.sort(key=lambda o: AVAILABILITY_ORDER.get(o["kind"], 99))
    return {pk: dict(regions) for pk, regions in result.items()}


def title_document_build(title_id: int) -> dict[str, Any] | None:
    """Everything the title page and `GET /api/v1/titles/{id}` show. None for an unknown id."""
    # Imported here: people, community and editorial all depend on the catalog, not the reverse.
    from reelhouse.community.models import Review
    from reelhouse.editorial.models import Article
    from reelhouse.people.models import Credit
    from reelhouse.recs.models import RecNeighbour

    title = (
        Title.objects.filter(pk=title_id)
        .prefetch_related("genres", "keywords", "certifications", "videos")
        .first()
    )
    if title is None:
        return None

    credits = _best_source_credits(
        Credit.objects.filter(title_id=title_id)
        .select_related("person")
        .order_by("kind", "order", "id")
    )
    relations = list(
        TitleRelation.objects.filter(Q(source_id=title_id) | Q(target_id=title_id)).order_by(
            "kind", "rank", "id"
        )
    )
    rails: dict[str, list[int]] = {"similar": [], "recommended": []}
    reasons: dict[str, dict[int, list[str]]] = {"similar": {}, "recommended": {}}
    related: list[tuple[str, str, int]] = []
    for rel in relations:
        other = rel.target_id if rel.source_id == title_id else rel.source_id
        if rel.kind in TitleRelation.LIST_KINDS:
            # Lists read from their owner only: B in A's "similar" says nothing of B's rail.
            if rel.source_id == title_id and other not in rails[rel.kind]:
                rails[rel.kind].append(other)
                reasons[rel.kind][other] = [_origin_reason(rel.origin, rel.kind)]
        else:
            related.append((rel.label_from(title_id), rel.kind, other))
    # Imported and editorial lists first, in their order; the computed neighbours (recs build)
    # fill the rest of each rail. One query for both rails.
    computed = RecNeighbour.objects.filter(title_id=title_id).order_by("kind", "rank")
    by_kind = {v: k for k, v in COMPUTED_KINDS.items()}
    for kind, neighbour_id, why in computed.values_list("kind", "neighbour_id", "reasons__texts"):
        rail = by_kind.get(kind)
        if rail is None or neighbour_id == title_id or neighbour_id in reasons[rail]:
            continue
        if len(rails[rail]) < RAIL_LENGTH:
            rails[rail].append(neighbour_id)
            reasons[rail][neighbour_id] = list(why)
    for kind in rails:
        rails[kind] = rails[kind][:RAIL_LENGTH]

    cards = title_cards(
        [title_id, *rails["similar"], *rails["recommended"], *(r[2] for r in related)]
    )
    own = cards[title_id]

    reviews = Review.objects.filter(title_id=title_id, status=Review.Status.PUBLISHED)
    review_count = reviews.count()
    articles = Article.objects.filter(
        titles=title_id, status=Article.Status.PUBLISHED, published_at__lte=timezone.now()
    ).order_by("-published_at")[:6]
    trailer = trailer_choose(title.videos.all())

    return {
        "version": DOCUMENT_VERSION,
        "id": title.pk,
        "slug": title.slug,
        "url": own["url"],
        "kind": title.kind,
        "title": title.title,
        "original_title": title.original_title,
        "year": title.year,
        "end_year": title.end_year,
        "release_date": title.release_date.isoformat() if title.release_date else None,
        "runtime": title.runtime,
        "tagline": title.tagline,
        "synopsis": title.synopsis,
        "poster_url": title.poster_url,
        "backdrop_url": title.backdrop_url,
        "rating": title.rating,
        "rating_votes": title.rating_votes,
        "rating_source": title.rating_source,
        "certifications": {c.region: c.value for c in title.certifications.all()},
        "genres": [{"name": g.name, "slug": g.slug} for g in title.genres.all()],
        "keywords": [k.name for k in title.keywords.all()],
        "external_ids": {
            "imdb": title.imdb_id,
            "tmdb": title.tmdb_id,
            "movielens": title.movielens_id,
        },
        "cast": [
            {
                "person_id": c.person_id,
                "name": c.person.name,
                "url": reverse("people:detail", args=[c.person_id, c.person.slug]),
                "photo_url": c.person.photo_url,
                "character": c.character,
                "order": c.order,
            }
            for c in credits
            if c.kind == Credit.Kind.CAST
        ],
        "crew": [
            {
                "person_id": c.person_id,
                "name": c.person.name,
                "url": reverse("people:detail", args=[c.person_id, c.person.slug]),
                "department": c.department,
                "job": c.job,
            }
            for c in credits
            if c.kind == Credit.Kind.CREW
        ],
        "trailer": (
            {
                "site": trailer.site,
                "key": trailer.key,
                "name": trailer.name,
                "embed_url": trailer.embed_url,
                "watch_url": trailer.watch_url,
            }
            if trailer
            else None
        ),
        "availability": own["providers"],
        "similar": _rail_cards(rails["similar"], reasons["similar"], cards),
        "recommended": _rail_cards(rails["recommended"], reasons["recommended"], cards),
        "relations": [
            {"label": label, "kind": kind, "title": cards[pk]}
            for label, kind, pk in related
            if pk in cards
        ],
        "articles": [
            {
                "headline": a.headline,
                "slug": a.slug,
                "url": reverse("editorial:detail", args=[a.slug]),
                "standfirst": a.standfirst,
                "author": a.author_name,
                "published_at": a.published_at.isoformat() if a.published_at else None,
            }
            for a in articles
        ],
        "reviews": {
            "count": review_count,
            "items": [
                _review_item(r) for r in reviews.order_by("created_at", "id")[:REVIEWS_ON_PAGE]
            ],
        },
    }


def _rail_cards(
    ids: list[int], reasons: dict[int, list[str]], cards: dict[int, TitleCard]
) -> list[RailCard]:
    return [{**cards[pk], "reasons": reasons.get(pk, [])} for pk in ids if pk in cards]


def _best_source_credits(credits: Iterable[Any]) -> list[Any]:
    """Cast and crew from the best source that has them: IMDb and TMDB both list the cast of a
    film, and showing both would list everyone twice."""
    rows = list(credits)
    best: dict[str, int] = {}
    for c in rows:
        best[c.kind] = max(best.get(c.kind, -1), SOURCE_PRIORITY.get(c.source, 0))
    return [c for c in rows if SOURCE_PRIORITY.get(c.source, 0) == best[c.kind]]


def _review_item(review: Any) -> dict[str, Any]:
    head, tail = fold(review.text)
    return {
        "id": review.pk,
        "author": review.author_name,
        "created_at": review.created_at.isoformat(),
        "rating": review.rating,
        "is_spoiler": review.is_spoiler,
        "headline": review.headline,
        "text": review.text,
        "text_head": head,
        "text_tail": tail,
    }


def title_document_get(title_id: int) -> dict[str, Any] | None:
    """The stored document, built and stored first when missing or stale. None: no such title."""
    row = (
        TitleDocument.objects.filter(title_id=title_id, version=DOCUMENT_VERSION)
        .values_list("data", flat=True)
        .first()
    )
    if row is not None:
        return row  # type: ignore[no-any-return]
    data = title_document_build(title_id)
    if data is not None:
        _store(title_id, data)
    return data


def _store(title_id: int, data: dict[str, Any]) -> None:
    try:
        with transaction.atomic():
            TitleDocument.objects.update_or_create(
                title_id=title_id, defaults={"version": DOCUMENT_VERSION, "data": data}
            )
    except IntegrityError:
        # Another request stored the same document a moment ago: theirs is as good as ours.
        pass


def title_documents_build_all(*, batch: int = 500) -> int:
    """Build every missing or stale document; returns how many were built."""
    fresh = TitleDocument.objects.filter(version=DOCUMENT_VERSION).values("title_id")
    ids = list(Title.objects.exclude(pk__in=fresh).values_list("pk", flat=True))
    for pk in ids:
        data = title_document_build(pk)
        if data is not None:
            _store(pk, data)
    return len(ids)


def title_documents_forget(title_ids: Iterable[int]) -> None:
    """Forget only these titles' own documents: for a change that shows on their pages alone,
    such as a rebuilt rail (the cards other pages show of them are unchanged)."""
    # A first build of the rails has no documents to forget but the few built ahead.
    if TitleDocument.objects.exists():
        TitleDocument.objects.filter(title_id__in=list(title_ids)).delete()


def title_documents_invalidate(title_ids: Iterable[int]) -> None:
    """Forget the documents of these titles and of every title whose page shows them."""
    ids = set(title_ids)
    # A bulk import into a catalog nobody has viewed yet has no documents to forget.
    if not ids or not TitleDocument.objects.exists():
        return
    from reelhouse.recs.models import RecNeighbour

    showing = TitleRelation.objects.filter(target_id__in=ids).values_list("source_id", flat=True)
    shown_by = TitleRelation.objects.filter(source_id__in=ids).values_list("target_id", flat=True)
    # Computed rails show these titles' cards too; a computed rail never changes the page of
    # the title it points at, so only that direction is needed.
    rail_showing = RecNeighbour.objects.filter(neighbour_id__in=ids).values_list(
        "title_id", flat=True
    )
    TitleDocument.objects.filter(
        Q(title_id__in=ids)
        | Q(title_id__in=showing)
        | Q(title_id__in=shown_by)
        | Q(title_id__in=rail_showing)
    ).delete()
