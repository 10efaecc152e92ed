"""Small IMDb-format .tsv.gz files for tests, with the edge cases of DATA-FORMATS.md section 6.

Every id is synthetic (tt99..., nm99...). `imdb_files_write` writes the seven files (or some of
them, or changed rows) into a directory; the other writers make the malformed files the importer
must refuse.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

N = "\\N"
Rows = Sequence[Sequence[str]]

HEADERS: dict[str, tuple[str, ...]] = {
    "title.basics": (
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ),
    "name.basics": (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
    "title.akas": (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
    "title.crew": ("tconst", "directors", "writers"),
    "title.principals": ("tconst", "ordering", "nconst", "category", "job", "characters"),
    "title.episode": ("tconst", "parentTconst", "seasonNumber", "episodeNumber"),
    "title.ratings": ("tconst", "averageRating", "numVotes"),
}

# An 8-digit tconst and nconst: newer ids are longer than the classic 7 digits.
LONG_TCONST = "tt99000123"
LONG_NCONST = "nm99000123"

ROWS: dict[str, list[tuple[str, ...]]] = {
    "title.basics": [
        ("tt9900001", "movie", "The Lantern Keeper", "The Lantern Keeper", "0", "1948", N, "97",
         "Drama,Film-Noir"),
        # \N runtime; no ratings row.
        ("tt9900002", "movie", "The Lantern Keeper", "Der Laternenwärter", "0", "2025", N, N,
         "Drama,Thriller,Sci-Fi"),
        # Literal double quotes: no CSV quoting in these files.
        ("tt9900003", "tvSeries", '"Harbor Lights"', '"Harbor Lights"', "0", "2019", "2022", "44",
         "Crime"),
        ("tt9900004", "tvEpisode", "Pilot", "Pilot", "0", "2019", N, "48", "Crime"),
        ("tt9900005", "tvEpisode", "Second Tide", "Second Tide", "0", "2019", N, "47", "Crime"),
        # Non-Latin script, \N start year.
        (LONG_TCONST, "short", "Хранитель фонаря", "Хранитель фонаря", "0", N, N, "12", N),
        ("tt9900006", "videoGame", "Lantern Quest", "Lantern Quest", "0", "2021", N, N, "Action"),
    ],
    "name.basics": [
        ("nm9900010", "Ilse Brandauer", "1901", "1979", "director,writer", "tt9900001"),
        ("nm9900011", "Tomas Weller", "1950", N, "writer", "tt9900001"),
        ("nm9900013", "Jonas Reiter", "1970", N, "director,writer", "tt9900002"),
        ("nm9900020", "Noor Haddad", "1994", N, "actress,producer", "tt9900002,tt9900003"),
        ("nm9900021", "Emil Sorensen", "1961", N, "actor", "tt9900001"),
        (LONG_NCONST, "Ада Ковальчук", N, N, "actress", LONG_TCONST),
        # A person without a name: must not crash the import.
        ("nm9900099", N, N, N, N, N),
    ],
    "title.akas": [
        ("tt9900002", "1", "Der Laternenwärter", N, N, "original", N, "1"),
        ("tt9900002", "2", "The Lantern Keeper", "US", N, "imdbDisplay", N, "0"),
        ("tt9900002", "3", "Хранитель фонаря", "UA", "uk", "imdbDisplay\x02tv", N, "0"),
        ("tt9900002", "4", "Der Laternenwärter (2025)", "DE", N, N, "literal title", "0"),
        ("tt9999999", "1", "Nowhere", "US", N, N, N, "0"),
    ],
    "title.crew": [
        ("tt9900001", "nm9900010", "nm9900011,nm9900012"),
        ("tt9900002", "nm9900013", "nm9900013,nm9900011"),
        ("tt9900003", N, "nm9900014"),
    ],
    "title.principals": [
        ("tt9900001", "1", "nm9900020", "actress", N, '["Mara Vale","Young Mara"]'),
        ("tt9900001", "2", "nm9900021", "actor", N, '["Harbor Master"]'),
        ("tt9900001", "3", "nm9900010", "director", N, N),
        ("tt9900001", "4", "nm9900011", "writer", "screenplay", N),
        # Not in name.basics: counted, never fatal.
        ("tt9900001", "5", "nm9900098", "actor", N, '["Ghost"]'),
        ("tt9900002", "1", LONG_NCONST, "actress", N, '["Хранительница"]'),
        ("tt9900002", "2", "nm9900013", "director", N, N),
        ("tt9900002", "3", "nm9900020", "production_designer", N, N),
        ("tt9900004", "1", "nm9900021", "actor", N, '["Captain \\"Red\\" Olsen"]'),
    ],
    "title.episode": [
        ("tt9900004", "tt9900003", "1", "1"),
        ("tt9900005", "tt9900003", N, N),
    ],
    "title.ratings": [
        ("tt9900001", "7.9", "880"),
        ("tt9900003", "8.1", "412"),
        ("tt9900004", "7.0", "50"),
        (LONG_TCONST, "6.5", "12"),
    ],
}  # fmt: skip

# Files that start with a UTF-8 byte order mark, as a file saved by some editors does.
WITH_BOM = frozenset({"name.basics"})


def tsv_gz_write(
    path: Path, header: Iterable[str], rows: Rows, *, bom: bool = False, level: int = 6
) -> Path:
    text = "\t".join(header) + "\n" + "".join("\t".join(row) + "\n" for row in rows)
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=level, mtime=0))
    return path


def imdb_files_write(
    directory: Path,
    rows: Mapping[str, Rows] | None = None,
    *,
    names: Iterable[str] | None = None,
) -> Path:
    """Write the fixture files `names` (all seven by default) into `directory`.

    `rows` replaces the rows of some files, e.g. a newer title.ratings.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name in names if names is not None else HEADERS:
        file_rows = (rows or {}).get(name, ROWS[name])
        tsv_gz_write(directory / f"{name}.tsv.gz", HEADERS[name], file_rows, bom=name in WITH_BOM)
    return directory


def basics_rows(count: int, *, start: int = 10_000_000) -> list[tuple[str, ...]]:
    """`count` synthetic title.basics rows with 8-digit ids, for larger imports."""
    types = ("movie", "short", "tvSeries", "tvMovie", "video")
    genres = ("Drama", "Comedy,Romance", N, "Documentary,Short", "Crime,Drama,Mystery")
    return [
        (
            f"tt{start + i}",
            types[i % 5],
            f"Synthetic Title {i}",
            f"Synthetic Title {i}",
            "0",
            str(1900 + i % 125),
            N,
            str(60 + i % 90) if i % 7 else N,
            genres[i % 5],
        )
        for i in range(count)
    ]


def latin1_write(path: Path) -> Path:
    """A title.basics saved as Latin-1: its third line holds a lone 0xE4 byte ("ä")."""
    header = "\t".join(HEADERS["title.basics"]) + "\n"
    good = "\t".join(ROWS["title.basics"][0]) + "\n"
    bad = (
        "tt9900002\tmovie\tDer Laternenw\xe4rter\tDer Laternenw\xe4rter\t0\t2025\t\\N\t\\N\tDrama\n"
    )
    path.write_bytes(gzip.compress((header + good + bad).encode("latin-1"), mtime=0))
    return path


def truncated_write(path: Path, rows: Rows) -> Path:
    """A title.basics whose gzip stream stops in the middle, as an interrupted download does."""
    tsv_gz_write(path, HEADERS["title.basics"], rows, level=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def long_line_write(path: Path, size: int = 10 * 1024 * 1024) -> Path:
    """A title.basics whose second line is `size` bytes long."""
    header = "\t".join(HEADERS["title.basics"]) + "\n"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(header.encode())
        out.write(b"tt9900001\tmovie\t" + b"x" * size + b"\n")
    return path


def bomb_write(path: Path, size: int = 200 * 1024 * 1024) -> Path:
    """A title.basics that expands to `size` bytes of zeros (lines of 1 MB) from a tiny file.

    Compressed one chunk at a time, so writing it needs neither the memory nor the time of
    `size` bytes of text.
    """
    line = b"0" * (1024 * 1024 - 1) + b"\n"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    with path.open("wb") as out:
        out.write(compressor.compress(("\t".join(HEADERS["title.basics"]) + "\n").encode()))
        for _ in range(size // len(line)):
            out.write(compressor.compress(line))
        out.write(compressor.flush())
    return path


def broken_rows_write(path: Path, good: int = 50, bad: int = 150) -> Path:
    """A title.basics with more malformed rows (wrong column count) than an import accepts."""
    rows = basics_rows(good) + [("tt9900999", "movie", "Only three columns")] * bad
    return tsv_gz_write(path, HEADERS["title.basics"], rows)
