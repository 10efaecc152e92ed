"""Synthetic TMDB files for the importer's tests, with the edge cases of DATA-FORMATS section 6.

Ids are in the invented 9000xx / tt99... ranges; nothing here is copied from TMDB.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LANTERN_ID = 900002
LANTERN_IMDB = "tt9900002"
LANTERN_1948_ID = 900001  # only in the lists: the importer makes it a stub
HARBOUR_ID = 900003
BARE_ID = 900004

US_LINK = "https://www.themoviedb.org/movie/900002-the-lantern-keeper/watch?locale=US"
GB_LINK = "https://www.themoviedb.org/movie/900002-the-lantern-keeper/watch?locale=GB"
CA_LINK = "https://www.themoviedb.org/movie/900002-the-lantern-keeper/watch?locale=CA"


def _provider(provider_id: int, name: str, priority: int) -> dict[str, Any]:
    return {
        "logo_path": f"/logo{provider_id}.jpg",
        "provider_id": provider_id,
        "provider_name": name,
        "display_priority": priority,
    }


PRIME = _provider(9, "Prime Video", 2)
APPLE = _provider(2, "Apple TV", 4)
GOOGLE = _provider(3, "Google Play Movies", 6)
TUBI = _provider(73, "Tubi TV", 10)
PLUTO = _provider(300, "Pluto TV", 12)


def _release(certification: str, kind: int, note: str = "") -> dict[str, Any]:
    return {
        "certification": certification,
        "descriptors": [],
        "iso_639_1": "",
        "note": note,
        "release_date": "2025-10-17T00:00:00.000Z",
        "type": kind,
    }


def _list_item(movie_id: int, title: str, date: str, **extra: Any) -> dict[str, Any]:
    return {
        "adult": False,
        "backdrop_path": None,
        "genre_ids": [18],
        "id": movie_id,
        "original_language": "en",
        "original_title": title,
        "overview": f"What happens in {title}.",
        "popularity": 5.2,
        "poster_path": f"/ps{movie_id}.jpg",
        "release_date": date,
        "title": title,
        "video": False,
        "vote_average": 7.9,
        "vote_count": 880,
        **extra,
    }


def lantern_keeper() -> dict[str, Any]:
    """A movie with every appended list and the section 6 edge cases in them."""
    return {
        "adult": False,
        "backdrop_path": "/bk900002.jpg",
        "belongs_to_collection": None,
        "budget": 18000000,
        "genres": [{"id": 18, "name": "Drama"}, {"id": 878, "name": "Science Fiction"}],
        "homepage": "",
        "id": LANTERN_ID,
        "imdb_id": LANTERN_IMDB,
        "origin_country": ["DE"],
        "original_language": "de",
        "original_title": "Der Laternenwärter",
        "overview": "A lighthouse keeper's daughter reopens a case closed in 1948.",
        "popularity": 41.207,
        "poster_path": "/ps900002.jpg",
        "production_companies": [],
        "production_countries": [{"iso_3166_1": "DE", "name": "Germany"}],
        "release_date": "2025-10-17",
        "revenue": 0,
        "runtime": 112,
        "spoken_languages": [],
        "status": "Released",
        "tagline": "Some lights are kept for a reason.",
        "title": "The Lantern Keeper",
        "video": False,
        "vote_average": 6.966,
        "vote_count": 412,
        "credits": {
            "id": LANTERN_ID,
            "cast": [
                {
                    "adult": False,
                    "gender": 1,
                    "id": 990020,
                    "known_for_department": "Acting",
                    "name": "Noor Haddad",
                    "original_name": "Noor Haddad",
                    "popularity": 12.4,
                    "profile_path": None,
                    "cast_id": 3,
                    "character": "Mara Vale",
                    "credit_id": "65a0c0ffee00000000000001",
                    "order": 0,
                },
                {
                    "adult": False,
                    "gender": 2,
                    "id": 990021,
                    "known_for_department": "Acting",
                    "name": "Tomasz Brel",
                    "original_name": "Tomasz Brel",
                    "popularity": 4.0,
                    "profile_path": "/tb.jpg",
                    "cast_id": 4,
                    "character": "",
                    "credit_id": "65a0c0ffee00000000000005",
                    "order": 1,
                },
            ],
            "crew": [
                {
                    "adult": False,
                    "gender": 2,
                    "id": 990013,
                    "known_for_department": "Directing",
                    "name": "Jonas Reiter",
                    "original_name": "Jonas Reiter",
                    "popularity": 3.1,
                    "profile_path": None,
                    "credit_id": "65a0c0ffee00000000000002",
                    "department": "Directing",
                    "job": "Director",
                },
                {
                    "adult": False,
                    "gender": 2,
                    "id": 990013,
                    "known_for_department": "Directing",
                    "name": "Jonas Reiter",
                    "original_name": "Jonas Reiter",
                    "popularity": 3.1,
                    "profile_path": None,
                    "credit_id": "65a0c0ffee00000000000006",
                    "department": "Writing",
                    "job": "Screenplay",
                },
            ],
        },
        "videos": {
            "results": [
                {
                    "iso_639_1": "en",
                    "iso_3166_1": "US",
                    "name": "Behind the lamp",
                    "key": "ClipClip001",
                    "site": "YouTube",
                    "size": 720,
                    "type": "Featurette",
                    "official": True,
                    "published_at": "2025-07-01T16:00:00.000Z",
                    "id": "65a0c0ffee00000000000007",
                },
                {
                    "iso_639_1": "en",
                    "iso_3166_1": "US",
                    "name": "Official Trailer",
                    "key": "AbCdEfGhIjK",
                    "site": "YouTube",
                    "size": 1080,
                    "type": "Trailer",
                    "official": True,
                    "published_at": "2025-08-01T16:00:00.000Z",
                    "id": "65a0c0ffee00000000000003",
                },
                {
                    "iso_639_1": "en",
                    "iso_3166_1": "US",
                    "name": "Elsewhere",
                    "key": "dailymotion1",
                    "site": "Dailymotion",
                    "size": 1080,
                    "type": "Trailer",
                    "official": True,
                    "published_at": "2025-08-02T16:00:00.000Z",
                    "id": "65a0c0ffee00000000000008",
                },
            ]
        },
        "keywords": {
            "keywords": [
                {"id": 9714, "name": "remake"},
                {"id": 818, "name": "based on novel or book"},
            ]
        },
        "release_dates": {
            "results": [
                {"iso_3166_1": "US", "release_dates": [_release("PG-13", 3)]},
                {
                    "iso_3166_1": "GB",
                    "release_dates": [
                        _release("", 3),
                        _release("15", 1, "London Film Festival"),
                        _release("12A", 2),
                    ],
                },
                {"iso_3166_1": "FR", "release_dates": [_release("", 3)]},
                {"iso_3166_1": "DE", "release_dates": [_release("NR", 3)]},
            ]
        },
        "watch/providers": {
            "results": {
                "US": {"link": US_LINK, "flatrate": [PRIME], "rent": [APPLE]},
                # No flatrate here: rent and buy only.
                "GB": {"link": GB_LINK, "rent": [APPLE, GOOGLE], "buy": [GOOGLE]},
                # Only free and with ads.
                "CA": {"link": CA_LINK, "free": [TUBI], "ads": [PLUTO]},
            }
        },
        "recommendations": {
            "page": 1,
            "results": [
                _list_item(LANTERN_1948_ID, "The Lantern Keeper", "1948-10-02", media_type="movie"),
                _list_item(HARBOUR_ID, "Harbour Lights", "2019-03-01", media_type="movie"),
                _list_item(900099, "Lantern Nights", "2020-01-01", media_type="tv"),
            ],
            "total_pages": 1,
            "total_results": 3,
        },
        "similar": {"page": 1, "results": [], "total_pages": 0, "total_results": 0},
        "reviews": {
            "page": 1,
            "results": [
                {
                    "author": "reelfan",
                    "author_details": {
                        "name": "",
                        "username": "reelfan",
                        "avatar_path": "/https://secure.gravatar.com/avatar/0000.jpg",
                        "rating": None,
                    },
                    "content": "Faithful where it matters.\r\n\r\nThe lamp scenes stay with you.",
                    "created_at": "2025-10-20T09:12:44.120Z",
                    "id": "65a0c0ffee00000000000004",
                    "updated_at": "2025-10-20T09:12:44.120Z",
                    "url": "https://www.themoviedb.org/review/65a0c0ffee00000000000004",
                },
                {
                    "author": "nightwatch",
                    "author_details": {
                        "name": "Ines Night",
                        "username": "nightwatch",
                        "avatar_path": None,
                        "rating": 8.0,
                    },
                    "content": "A slow burn with a bright ending.",
                    "created_at": "2025-10-22T10:00:00.000Z",
                    "id": "65a0c0ffee00000000000009",
                    "updated_at": "2025-10-22T10:00:00.000Z",
                    "url": "https://www.themoviedb.org/review/65a0c0ffee00000000000009",
                },
            ],
            "total_pages": 1,
            "total_results": 2,
        },
    }


def harbour_lights() -> dict[str, Any]:
    """A second movie whose "similar" list holds The Lantern Keeper."""
    movie = copy.deepcopy(lantern_keeper())
    movie.update(
        id=HARBOUR_ID,
        imdb_id="tt9900003",
        title="Harbour Lights",
        original_title="Harbour Lights",
        original_language="en",
        release_date="2019-03-01",
        overview="Two ferry captains and one storm.",
        tagline="",
    )
    for key in ("credits", "videos", "keywords", "release_dates", "watch/providers", "reviews"):
        del movie[key]
    movie["recommendations"] = {"page": 1, "results": [], "total_pages": 0, "total_results": 0}
    movie["similar"] = {
        "page": 1,
        "results": [_list_item(LANTERN_ID, "The Lantern Keeper", "2025-10-17")],
        "total_pages": 1,
        "total_results": 1,
    }
    return movie


def bare_movie() -> dict[str, Any]:
    """Unknown release date, runtime and poster, and no appended lists at all."""
    return {
        "adult": False,
        "backdrop_path": None,
        "genres": [],
        "id": BARE_ID,
        "imdb_id": None,
        "original_language": "en",
        "original_title": "Untitled Lighthouse Project",
        "overview": "",
        "popularity": 0.6,
        "poster_path": None,
        "release_date": "",
        "runtime": None,
        "tagline": "",
        "title": "Untitled Lighthouse Project",
        "video": False,
        "vote_average": 0.0,
        "vote_count": 0,
    }


def movie_export_lines() -> list[str]:
    """A movie export: two movies, an adult one, one malformed line, one tv_series line."""
    return [
        '{"adult":false,"id":900002,"original_title":"Der Laternenwärter","popularity":55.5,'
        '"video":false}',
        '{"adult":false,"id":900010,"original_title":"灯台守","popularity":1.25,"video":false}',
        '{"adult":true,"id":900011,"original_title":"Night Shift","popularity":0.6,"video":false}',
        '{"adult":false,"id":900012,"original_title":"Broken',
        '{"id":900013,"original_name":"Lantern Nights","popularity":3.0}',
    ]


def json_write(path: Path, data: Any, *, pretty: bool = False, bom: bool = False) -> Path:
    text = json.dumps(data, ensure_ascii=False, indent=2 if pretty else None)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def lines_write(path: Path, lines: Iterable[str], *, gz: bool = False) -> Path:
    data = "".join(f"{line}\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def jsonl_write(path: Path, movies: Iterable[dict[str, Any]], *, gz: bool = False) -> Path:
    return lines_write(path, (json.dumps(m, ensure_ascii=False) for m in movies), gz=gz)
