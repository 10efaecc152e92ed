"""Write synthetic IMDb non-commercial dataset files, shaped like the real ones.

    .venv/bin/python bench/imdb_synthetic.py OUT_DIR --titles 1000000 [--only title.basics]

Proportions follow IMDb's real files (per title: 1.17 people, 5 principals, 4.3 akas, one crew
row, 0.7 episode rows, 0.13 ratings rows), so `--titles 1200000` is about one tenth of IMDb.
The rows carry the spec's quirks: `\\N` in any column, unquoted double quotes, non-Latin
titles, 8-digit ids, multi-character JSON arrays. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

PEOPLE_PER_TITLE = 1.17
PRINCIPALS_PER_TITLE = 5
AKAS_PER_TITLE = 4.3
EPISODE_SHARE = 0.72
RATED_SHARE = 0.13

TYPES = ["movie"] * 10 + ["short"] * 5 + ["tvSeries"] * 2 + ["tvMovie", "video", "tvMiniSeries"]
EPISODE_TYPE = "tvEpisode"
GENRES = [
    "Drama",
    "Comedy",
    "Documentary",
    "Romance",
    "Action",
    "Thriller",
    "Crime",
    "Horror",
    "Family",
    "Adventure",
    "Music",
    "Film-Noir",
    "Sci-Fi",
    "Western",
    "Animation",
]
WORDS = [
    "Red",
    "Shoes",
    "Lantern",
    "Keeper",
    "Harbor",
    "Lights",
    "Night",
    "Garden",
    "River",
    "Ballet",
    "Stranger",
    "Winter",
    "House",
    "Letter",
    "Silent",
    "City",
    "Dream",
    "Mirror",
    "Summer",
    "Return",
    "Storm",
    "Island",
    "Secret",
    "Road",
    "Last",
    "Dance",
    "Ghost",
]
FOREIGN = ["Хранитель фонаря", "赤い靴", "Der Laternenwärter", "Les Chaussons rouges", "Ballerina"]
CATEGORIES = [
    "actor",
    "actress",
    "actor",
    "actress",
    "self",
    "director",
    "writer",
    "producer",
    "composer",
    "cinematographer",
    "editor",
]
REGIONS = ["US", "GB", "DE", "FR", "JP", "UA", "IT", "ES", "\\N"]


def tconst(n: int) -> str:
    return f"tt{n:07d}" if n < 10_000_000 else f"tt{n}"


def nconst(n: int) -> str:
    return f"nm{n:07d}" if n < 10_000_000 else f"nm{n}"


def _title(rnd: random.Random) -> str:
    roll = rnd.random()
    if roll < 0.02:
        return f'"{rnd.choice(WORDS)}" {rnd.choice(WORDS)}'  # literal, unquoted double quotes
    if roll < 0.04:
        return rnd.choice(FOREIGN)
    return " ".join(rnd.sample(WORDS, rnd.randint(1, 4)))


def _kind(n: int) -> str:
    # A hash of the id, not the random stream, so title.episode can tell which ids are episodes.
    h = (n * 2654435761) & 0xFFFFFFFF
    return EPISODE_TYPE if h % 100 < EPISODE_SHARE * 100 else TYPES[(h // 100) % len(TYPES)]


def _id_offset(titles: int) -> int:
    # Ids start so that the largest ones have 8 digits, as IMDb's newer ids do.
    return max(1, 10_000_000 - titles // 2)


def title_basics(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "\t".join(
        [
            "tconst",
            "titleType",
            "primaryTitle",
            "originalTitle",
            "isAdult",
            "startYear",
            "endYear",
            "runtimeMinutes",
            "genres",
        ]
    )
    start = _id_offset(titles)
    for n in range(start, start + titles):
        kind = _kind(n)
        name = _title(rnd)
        original = name if rnd.random() < 0.9 else rnd.choice(FOREIGN)
        year = str(rnd.randint(1894, 2026)) if rnd.random() < 0.93 else "\\N"
        ended = kind == "tvSeries" and year != "\\N"
        end = str(int(year) + rnd.randint(0, 9)) if ended else "\\N"
        runtime = str(rnd.randint(3, 240)) if rnd.random() < 0.7 else "\\N"
        genres = ",".join(rnd.sample(GENRES, rnd.randint(1, 3))) if rnd.random() < 0.95 else "\\N"
        adult = "1" if rnd.random() < 0.02 else "0"
        yield "\t".join([tconst(n), kind, name, original, adult, year, end, runtime, genres])


def name_basics(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles"
    start = _id_offset(titles)
    people = int(titles * PEOPLE_PER_TITLE)
    for n in range(start, start + people):
        name = "\\N" if rnd.random() < 0.0005 else f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}son"
        birth = str(rnd.randint(1850, 2005)) if rnd.random() < 0.3 else "\\N"
        death = (
            str(int(birth) + rnd.randint(20, 90))
            if birth != "\\N" and rnd.random() < 0.3
            else "\\N"
        )
        profession = ",".join(
            rnd.sample(
                ["actor", "actress", "director", "writer", "producer", "composer", "editor"],
                rnd.randint(1, 3),
            )
        )
        known = ",".join(tconst(start + rnd.randrange(titles)) for _ in range(rnd.randint(0, 4)))
        yield f"{nconst(n)}\t{name}\t{birth}\t{death}\t{profession}\t{known or chr(92) + 'N'}"


def title_akas(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "titleId\tordering\ttitle\tregion\tlanguage\ttypes\tattributes\tisOriginalTitle"
    start = _id_offset(titles)
    for n in range(start, start + titles):
        for ordering in range(1, max(1, int(rnd.expovariate(1 / AKAS_PER_TITLE))) + 1):
            is_original = "1" if ordering == 1 else "0"
            types = (
                "original" if ordering == 1 else rnd.choice(["imdbDisplay", "\\N", "alternative"])
            )
            attributes = rnd.choice(["\\N"] * 8 + ["literal title", "transliterated title"])
            yield (
                f"{tconst(n)}\t{ordering}\t{_title(rnd)}\t{rnd.choice(REGIONS)}\t\\N\t"
                f"{types}\t{attributes}\t{is_original}"
            )


def title_crew(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "tconst\tdirectors\twriters"
    start = _id_offset(titles)
    people = int(titles * PEOPLE_PER_TITLE)
    for n in range(start, start + titles):
        directors = ",".join(
            nconst(start + rnd.randrange(people)) for _ in range(rnd.randint(0, 2))
        )
        writers = ",".join(nconst(start + rnd.randrange(people)) for _ in range(rnd.randint(0, 3)))
        yield f"{tconst(n)}\t{directors or chr(92) + 'N'}\t{writers or chr(92) + 'N'}"


def title_principals(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "tconst\tordering\tnconst\tcategory\tjob\tcharacters"
    start = _id_offset(titles)
    people = int(titles * PEOPLE_PER_TITLE)
    for n in range(start, start + titles):
        for ordering in range(1, rnd.randint(1, 2 * PRINCIPALS_PER_TITLE - 1) + 1):
            category = rnd.choice(CATEGORIES)
            person = nconst(start + rnd.randrange(people + people // 200))  # some unknown
            if category in {"actor", "actress", "self"}:
                count = 2 if rnd.random() < 0.05 else 1
                characters = json.dumps(
                    [f"{rnd.choice(WORDS)} {rnd.choice(WORDS)}" for _ in range(count)],
                    ensure_ascii=False,
                )
                job = "\\N"
            else:
                characters = "\\N"
                job = rnd.choice(["\\N", "\\N", "director of photography", "screenplay", "novel"])
            yield f"{tconst(n)}\t{ordering}\t{person}\t{category}\t{job}\t{characters}"


def title_episode(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "tconst\tparentTconst\tseasonNumber\tepisodeNumber"
    start = _id_offset(titles)
    for n in range(start, start + titles):
        if _kind(n) != EPISODE_TYPE:
            continue
        parent = tconst(start + rnd.randrange(titles))
        season = str(rnd.randint(1, 12)) if rnd.random() < 0.8 else "\\N"
        episode = str(rnd.randint(1, 30)) if season != "\\N" else "\\N"
        yield f"{tconst(n)}\t{parent}\t{season}\t{episode}"


def title_ratings(rnd: random.Random, titles: int) -> Iterator[str]:
    yield "tconst\taverageRating\tnumVotes"
    start = _id_offset(titles)
    for n in range(start, start + titles):
        if rnd.random() < RATED_SHARE:
            yield f"{tconst(n)}\t{rnd.randint(10, 100) / 10}\t{int(rnd.paretovariate(1.2) * 5)}"


FILES: dict[str, Callable[[random.Random, int], Iterator[str]]] = {
    "title.basics": title_basics,
    "name.basics": name_basics,
    "title.akas": title_akas,
    "title.crew": title_crew,
    "title.principals": title_principals,
    "title.episode": title_episode,
    "title.ratings": title_ratings,
}


def write(
    out: Path, titles: int, *, only: list[str] | None = None, seed: int = 1948
) -> dict[str, int]:
    """Write the files; returns rows written per file (header excluded)."""
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, rows in FILES.items():
        if only and name not in only:
            continue
        rnd = random.Random(f"{seed}-{name}")  # noqa: S311 - synthetic data, not secrets
        count = -1
        # Level 1: real IMDb files are level-9 gzip, but generation time should not dominate.
        with gzip.open(
            out / f"{name}.tsv.gz", "wt", encoding="utf-8", compresslevel=1, newline="\n"
        ) as handle:
            buffer: list[str] = []
            for line in rows(rnd, titles):
                buffer.append(line)
                count += 1
                if len(buffer) >= 10_000:
                    handle.write("\n".join(buffer) + "\n")
                    buffer = []
            if buffer:
                handle.write("\n".join(buffer) + "\n")
        counts[name] = count
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--only", action="append", choices=list(FILES))
    parser.add_argument("--seed", type=int, default=1948)
    args = parser.parse_args()
    started = time.monotonic()
    counts = write(args.out, args.titles, only=args.only, seed=args.seed)
    for name, count in counts.items():
        print(f"{name}.tsv.gz: {count:,} rows")
    print(f"written in {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
