"""Reads for recommendations: the catalog as the content model sees it, ratings as a matrix."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from django.db.models import Count, FloatField, Q, QuerySet, Value

from reelhouse.catalog.documents import RailCard, TitleCard, title_cards
from reelhouse.catalog.merge import SOURCE_PRIORITY
from reelhouse.catalog.models import Certification, Title
from reelhouse.community.models import Rating, Watchlist
from reelhouse.people.models import Credit
from reelhouse.recs.content import CAST_BILLED, ROLE_WEIGHTS, TitleFacts, cast_weight, crew_role
from reelhouse.recs.evaluation import POSITIVE_SCORE, lower_without_positives
from reelhouse.recs.models import RecNeighbour

READ_CHUNK = 20_000


def title_facts_list() -> list[TitleFacts]:
    """Every title's content facts, in id order. A handful of queries, however many titles."""
    facts: dict[int, TitleFacts] = {}
    rows = Title.objects.exclude(kind=Title.Kind.EPISODE).order_by("pk")
    for pk, name, year, synopsis, popularity in rows.values_list(
        "pk", "title", "year", "synopsis", "popularity"
    ).iterator(chunk_size=READ_CHUNK):
        facts[pk] = TitleFacts(
            id=pk, title=name, year=year, synopsis=synopsis, popularity=popularity
        )
    through_genres = Title.genres.through.objects.filter(title_id__in=rows.values("pk"))
    for title_id, genre in through_genres.values_list("title_id", "genre__name").order_by(
        "title_id", "genre__name"
    ):
        facts[title_id].genres.append(genre)
    through_keywords = Title.keywords.through.objects.filter(title_id__in=rows.values("pk"))
    for title_id, keyword in through_keywords.values_list("title_id", "keyword__name").order_by(
        "title_id", "keyword__name"
    ):
        facts[title_id].keywords.append(keyword)
    _credits_add(facts)
    certs: dict[int, dict[str, str]] = defaultdict(dict)
    for title_id, region, value in Certification.objects.values_list("title_id", "region", "value"):
        certs[title_id][region] = value
    for title_id, by_region in certs.items():
        if title_id in facts:
            # One certification per title, so titles compare on the same scale: the US one.
            facts[title_id].certification = by_region.get("US", "").strip()
    # Popularity for the tie-break: how many ratings a title has, else the imported figure.
    for title_id, n in (
        Rating.objects.values("title_id").annotate(n=Count("id")).values_list("title_id", "n")
    ):
        if title_id in facts:
            facts[title_id].popularity = max(facts[title_id].popularity, float(n))
    return list(facts.values())


def _credits_add(facts: dict[int, TitleFacts]) -> None:
    """Credits from each title's best source only, as its page shows them."""
    rows = (
        Credit.objects.filter(Q(kind=Credit.Kind.CREW) | Q(order__lt=CAST_BILLED))
        .order_by("title_id", "kind", "order", "id")
        .values_list(
            "title_id", "person_id", "person__name", "kind", "order", "department", "job", "source"
        )
    )
    best: dict[tuple[int, str], int] = {}
    credits = list(rows.iterator(chunk_size=READ_CHUNK))
    for title_id, _p, _n, kind, _o, _d, _j, source in credits:
        key = (title_id, kind)
        best[key] = max(best.get(key, -1), SOURCE_PRIORITY.get(source, 0))
    for title_id, person_id, name, kind, order, department, job, source in credits:
        t = facts.get(title_id)
        if t is None or SOURCE_PRIORITY.get(source, 0) != best[(title_id, kind)]:
            continue
        if kind == Credit.Kind.CAST:
            if order < CAST_BILLED:
                t.people.append((person_id, name, "cast", cast_weight(order)))
        elif role := crew_role(job, department):
            t.people.append((person_id, name, role, ROLE_WEIGHTS[role]))


@dataclass
class RatingMatrix:
    """Positives (score ≥ 8) as a users x titles matrix, with what is needed to explain it."""

    matrix: sp.csr_matrix
    title_ids: npt.NDArray[np.int64]
    user_keys: list[str]
    # Per title, an order-independent digest of all its ratings: which users, which scores.
    digests: dict[int, int]


def _user_key(user_id: int | None, source: str, external: str) -> str:
    return f"u{user_id}" if user_id is not None else f"{source}:{external}"


def rating_matrix_get(
    *, source: str | None = None, title_ids: list[int] | None = None
) -> RatingMatrix:
    """All ratings (or one source's) as positives, columns in `title_ids` order when given."""
    qs: QuerySet[Rating] = Rating.objects.all()
    if source is not None:
        qs = qs.filter(source=source)
    users: dict[str, int] = {}
    rows: list[int] = []
    titles: list[int] = []
    digests: dict[int, int] = defaultdict(int)
    for title_id, user_id, src, external, score in (
        qs.order_by("pk")
        .values_list("title_id", "user_id", "source", "external_user", "score")
        .iterator(chunk_size=READ_CHUNK)
    ):
        key = _user_key(user_id, src, external)
        # Python's str hash is salted per process: a stable digest needs a stable hash.
        digests[title_id] = (digests[title_id] + _stable_hash(f"{key}|{score}")) % (1 << 62)
        if score < POSITIVE_SCORE:
            continue
        rows.append(users.setdefault(key, len(users)))
        titles.append(title_id)
    ids = np.asarray(sorted(set(titles)) if title_ids is None else title_ids, dtype=np.int64)
    column = {int(t): i for i, t in enumerate(ids)}
    keep = [i for i, t in enumerate(titles) if t in column]
    matrix = sp.csr_matrix(
        (
            np.ones(len(keep), np.float32),
            (
                np.asarray([rows[i] for i in keep], np.int64),
                np.asarray([column[titles[i]] for i in keep], np.int64),
            ),
        ),
        shape=(len(users), len(ids)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return RatingMatrix(matrix=matrix, title_ids=ids, user_keys=list(users), digests=dict(digests))


def lower_ratings_get(ratings: RatingMatrix, *, source: str | None = None) -> sp.csr_matrix:
    """The ratings below the positive threshold, as a matrix with the rows and columns of
    `ratings.matrix` (1.0 where rated).

    `rating_matrix_get` keeps only the positives; this reads the rest. People with no positive
    have no row there and are left out; so are titles outside its columns, and any pair that is
    also a positive (a title rated twice), so a positive is never also a lower rating.
    """
    row_of = {key: i for i, key in enumerate(ratings.user_keys)}
    column_of = {int(t): i for i, t in enumerate(ratings.title_ids.tolist())}
    qs = Rating.objects.filter(score__lt=POSITIVE_SCORE)
    if source is not None:
        qs = qs.filter(source=source)
    rows: list[int] = []
    columns: list[int] = []
    for title_id, user_id, src, external in qs.values_list(
        "title_id", "user_id", "source", "external_user"
    ).iterator(chunk_size=READ_CHUNK):
        row = row_of.get(_user_key(user_id, src, external))
        column = column_of.get(title_id)
        if row is not None and column is not None:
            rows.append(row)
            columns.append(column)
    lower = sp.csr_matrix(
        (
            np.ones(len(rows), np.float32),
            (np.asarray(rows, np.int64), np.asarray(columns, np.int64)),
        ),
        shape=ratings.matrix.shape,
    )
    return lower_without_positives(lower, ratings.matrix)


def _stable_hash(text: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 2


# --- For you --------------------------------------------------------------------------------

FOR_YOU_K = 20
# At most this many titles picked by hand (?liked=ID), as MovieLens asks a new member for a few.
LIKED_MAX = 10
# A long profile is cut to its strongest, most recent positives: each adds one stored list.
PROFILE_MAX = 200
# A recommendation names at most this many of the titles that brought it.
BECAUSE_MAX = 3
# A title on the watchlist is a wish, not a verdict: its neighbours count half as much as
# those of a title the member liked, and it comes after the liked ones in the profile.
WATCHLIST_WEIGHT = 0.5


class ForYouError(Exception):
    """The profile asked for does not exist (a 404 on the page and in the API)."""


@dataclass
class ForYou:
    items: list[RailCard]
    # The liked titles the page is built from (cards, strongest first).
    based_on: list[TitleCard]
    rated: int
    # The watchlist titles it is also built from (cards, the latest added first).
    watchlist: list[TitleCard] = field(default_factory=list)
    watchlisted: int = 0


def _member_profile(user_id: int) -> tuple[list[tuple[int, float]], list[int]]:
    """A member's ratings (strongest, newest first) and watchlist (newest first): one query."""
    ratings = Rating.objects.filter(user_id=user_id).values_list(
        "title_id", "score", "rated_at", "pk"
    )
    wishes = Watchlist.objects.filter(user_id=user_id).values_list(
        "title_id", Value(None, output_field=FloatField()), "added_at", "pk"
    )
    rated: list[tuple[int, float, dt.datetime, int]] = []
    wished: list[tuple[dt.datetime, int, int]] = []
    for title_id, score, when, pk in ratings.union(wishes, all=True):
        if score is None:
            wished.append((when, pk, title_id))
        else:
            rated.append((title_id, score, when, pk))
    rated.sort(key=lambda r: (r[1], r[2], r[3]), reverse=True)
    wished.sort(reverse=True)
    return [(t, score) for t, score, _, _ in rated], [t for _, _, t in wished]


def for_you_get(
    *,
    user_id: int | None = None,
    source: str = "",
    external_user: str = "",
    liked: Sequence[int] = (),
) -> ForYou:
    """Recommendations for a profile from the stored "you may also like" lists, no model fit.

    The profile is a signed-in user's ratings and watchlist (`user_id`), an imported one's
    ratings (`source` and `external_user`), and/or titles picked by hand (`liked`, the cold
    start). The picked titles, then its positives (score ≥ 8, strongest and newest first),
    then its watchlist (newest first), at most PROFILE_MAX in all, each contribute their
    stored list: a neighbour gains 1/(1 + its rank) from each list showing it, as the
    evaluation's rail ranking does, and WATCHLIST_WEIGHT of that from a watchlist title's.
    Everything the profile rated, the picked titles and the watchlist are left out: the
    member knows them already. Five queries at most, whatever the size of the profile.
    """
    ratings: list[tuple[int, float]] = []
    wished: list[int] = []
    if user_id is not None:
        ratings, wished = _member_profile(user_id)
    elif external_user:
        ratings = list(
            Rating.objects.filter(source=source, external_user=external_user)
            .order_by("-score", "-rated_at", "-pk")
            .values_list("title_id", "score")
        )
        if not ratings and not liked:
            raise ForYouError(f"No ratings for {source} user {external_user}.")
    picked = list(dict.fromkeys(liked))
    if picked:
        known = set(Title.objects.filter(pk__in=picked).values_list("pk", flat=True))
        if unknown := [t for t in picked if t not in known]:
            raise ForYouError(f"No title with id {unknown[0]}.")
    rated = {t for t, _ in ratings}
    positives = [t for t, score in ratings if score >= POSITIVE_SCORE]
    liked_seeds = list(dict.fromkeys([*picked, *positives]))[:PROFILE_MAX]
    # A title rated below positive stays out, whatever the watchlist says.
    wish_seeds = [t for t in dict.fromkeys(wished) if t not in rated and t not in picked]
    wish_seeds = wish_seeds[: PROFILE_MAX - len(liked_seeds)]
    seeds = [*liked_seeds, *wish_seeds]
    weight = dict.fromkeys(liked_seeds, 1.0) | dict.fromkeys(wish_seeds, WATCHLIST_WEIGHT)
    scores: dict[int, float] = defaultdict(float)
    because: dict[int, list[tuple[float, int, int]]] = defaultdict(list)  # -gain, seed pos, id
    position = {t: i for i, t in enumerate(seeds)}
    excluded = rated | set(picked) | set(wished)
    for title_id, neighbour_id, rank in RecNeighbour.objects.filter(
        kind=RecNeighbour.Kind.ALSO_LIKED, title_id__in=seeds
    ).values_list("title_id", "neighbour_id", "rank"):
        if neighbour_id in excluded:
            continue
        gain = weight[title_id] / (1 + rank)
        scores[neighbour_id] += gain
        because[neighbour_id].append((-gain, position[title_id], title_id))
    top = sorted(scores, key=lambda t: (-scores[t], t))[:FOR_YOU_K]
    reasons_from = {t: [s for _, _, s in sorted(because[t])[:BECAUSE_MAX]] for t in top}
    named = {s for seeds_of in reasons_from.values() for s in seeds_of}
    cards = title_cards([*top, *liked_seeds[:FOR_YOU_K], *wish_seeds[:FOR_YOU_K], *sorted(named)])
    wishes = set(wish_seeds)

    def reason(seed: int) -> str:
        name = cards[seed]["title"]
        if seed in wishes:
            return f"Because it's like {name} on your watchlist"
        return f"Because you liked {name}"

    items: list[RailCard] = [
        {**cards[t], "reasons": [reason(s) for s in reasons_from[t]]}
        for t in top
        if t in cards and all(s in cards for s in reasons_from[t])
    ]
    return ForYou(
        items=items,
        based_on=[cards[s] for s in liked_seeds if s in cards][:FOR_YOU_K],
        rated=len(rated),
        watchlist=[cards[s] for s in wish_seeds if s in cards][:FOR_YOU_K],
        watchlisted=len(set(wished)),
    )


def for_you_starters(limit: int = 30) -> list[TitleCard]:
    """Titles a new visitor is likely to know, to pick a few liked ones from: the most rated."""
    ids = (
        Rating.objects.values("title_id")
        .annotate(n=Count("id"))
        .order_by("-n", "title_id")
        .values_list("title_id", flat=True)[:limit]
    )
    return list(title_cards(list(ids)).values())
