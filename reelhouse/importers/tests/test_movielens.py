from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reelhouse.catalog.models import Title
from reelhouse.community.models import Rating
from reelhouse.importers.models import ImportCheckpoint
from reelhouse.importers.movielens import title_split

pytestmark = pytest.mark.django_db

# shared/DATA-FORMATS.md §4 and the §6 checklist: a quoted title with a comma, an alternate title
# in parentheses, "(no genres listed)", a title without a year, a link with an empty tmdbId, a
# 7-digit zero-padded imdbId, and a byte-order mark.
MOVIES = (
    "\ufeffmovieId,title,genres\n"
    '1,"Lantern Keeper, The (1948)",Drama|Film-Noir\n'
    '2,"Lantern Keeper, The (Der Laternenwärter) (2025)",Drama|Thriller\n'
    "3,Untitled Harbor Project,(no genres listed)\n"
    '4,"American President, The (1995)",Comedy|Drama|Romance\n'
    "5,City of God (Cidade de Deus) (2002),Action|Children|Sci-Fi\n"
)
LINKS = (
    "movieId,imdbId,tmdbId\n"
    "1,9900001,900001\n"
    "2,9900002,900002\n"
    "3,9900006,\n"
    "4,0112346,9087\n"
    "5,0317248,598\n"
)
RATINGS = (
    "userId,movieId,rating,timestamp\n"
    "1,1,4.5,964982703\n"
    "1,2,3.0,1760000000\n"
    "2,1,5.0,1112486027\n"
    "2,4,0.5,1112486030\n"
)
TAGS = (
    "userId,movieId,tag,timestamp\n"
    '1,2,"remake, but earns it",1760000100\n'
    '2,2,"  Remake,  but earns IT ",1760000200\n'
    "2,1,Noir,1760000300\n"
)
FILES = {"movies.csv": MOVIES, "links.csv": LINKS, "ratings.csv": RATINGS, "tags.csv": TAGS}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _import(folder: Path) -> str:
    out = StringIO()
    call_command("import", "movielens", str(folder), "--quiet", stdout=out)
    return out.getvalue()


def _snapshot() -> list[tuple[object, ...]]:
    titles = Title.objects.order_by("pk").values_list(
        "pk", "title", "year", "imdb_id", "tmdb_id", "movielens_id", "field_sources", "updated_at"
    )
    ratings = Rating.objects.order_by("pk").values_list("pk", "score", "rated_at")
    return [*titles, *ratings]


def test_it_imports_every_file(tmp_path: Path) -> None:
    out = _import(_write(tmp_path / "ml", FILES))

    assert "ratings.csv: 4 rows read, 4 written" in out
    keeper = Title.objects.get(movielens_id=1)
    assert (keeper.title, keeper.year) == ("The Lantern Keeper", 1948)
    assert (keeper.imdb_id, keeper.tmdb_id) == ("tt9900001", 900001)
    assert sorted(g.name for g in keeper.genres.all()) == ["Drama", "Film Noir"]
    assert keeper.field_sources["title"] == "movielens"
    remake = Title.objects.get(movielens_id=2)
    assert (remake.title, remake.year) == ("The Lantern Keeper", 2025)
    untitled = Title.objects.get(movielens_id=3)
    assert (untitled.title, untitled.year, untitled.tmdb_id) == (
        "Untitled Harbor Project",
        None,
        None,
    )
    assert untitled.imdb_id == "tt9900006"
    assert not untitled.genres.exists()
    city = Title.objects.get(movielens_id=5)
    assert city.title == "City of God"
    assert sorted(g.name for g in city.genres.all()) == ["Action", "Family", "Science Fiction"]
    assert Title.objects.count() == 5


def test_it_stores_ratings_on_the_ten_point_scale(tmp_path: Path) -> None:
    _import(_write(tmp_path / "ml", FILES))
    rating = Rating.objects.get(external_user="1", title__movielens_id=1)
    assert (rating.source, rating.score) == ("movielens", 9.0)
    assert rating.rated_at == dt.datetime(2000, 7, 30, 18, 45, 3, tzinfo=dt.UTC)
    assert rating.user is None
    assert Rating.objects.get(external_user="2", title__movielens_id=4).score == 1.0


def test_tags_become_keywords_once(tmp_path: Path) -> None:
    _import(_write(tmp_path / "ml", FILES))
    remake = Title.objects.get(movielens_id=2)
    assert [k.name for k in remake.keywords.all()] == ["remake, but earns it"]
    assert [k.name for k in Title.objects.get(movielens_id=1).keywords.all()] == ["noir"]


def test_it_merges_into_the_title_imdb_created_through_links(tmp_path: Path) -> None:
    film = Title.objects.create(
        title="The American President",
        slug="the-american-president",
        year=1995,
        runtime=114,
        imdb_id="tt0112346",
        field_sources={"title": "imdb", "year": "imdb", "runtime": "imdb"},
    )
    _import(_write(tmp_path / "ml", FILES))

    assert Title.objects.filter(match_key=film.match_key).count() == 1
    film.refresh_from_db()
    assert (film.movielens_id, film.tmdb_id, film.runtime) == (4, 9087, 114)
    assert film.field_sources["title"] == "imdb"
    assert sorted(g.name for g in film.genres.all()) == ["Comedy", "Drama", "Romance"]
    assert Rating.objects.get(external_user="2", title=film).score == 1.0


def test_links_tie_a_title_created_by_tmdb_even_when_titles_differ(tmp_path: Path) -> None:
    film = Title.objects.create(title="Cidade de Deus", slug="cidade-de-deus", tmdb_id=598)
    _import(_write(tmp_path / "ml", FILES))
    film.refresh_from_db()
    assert (film.movielens_id, film.imdb_id) == (5, "tt0317248")
    # A title nobody recorded a source for was written by a person: it stays.
    assert film.title == "Cidade de Deus"
    assert not Title.objects.filter(title="City of God").exists()


def test_it_matches_by_title_and_year_without_links(tmp_path: Path) -> None:
    film = Title.objects.create(title="The Lantern Keeper", slug="the-lantern-keeper", year=1948)
    _import(_write(tmp_path / "ml", {"movies.csv": MOVIES, "ratings.csv": RATINGS}))
    film.refresh_from_db()
    assert film.movielens_id == 1
    assert film.imdb_id is None
    assert Title.objects.filter(title="The Lantern Keeper").count() == 2  # 1948 and 2025
    assert Rating.objects.filter(title=film).count() == 2


def test_a_repeated_import_changes_nothing(tmp_path: Path) -> None:
    folder = _write(tmp_path / "ml", FILES)
    _import(folder)
    before = _snapshot()
    again = _import(folder)
    assert again.count("already imported and unchanged") == 4
    assert _snapshot() == before

    # Even read again from the first row (the checkpoints forgotten), nothing is written.
    ImportCheckpoint.objects.all().delete()
    third = _import(folder)
    assert "movies.csv: 5 rows read, 0 written" in third
    assert "ratings.csv: 4 rows read, 0 written" in third
    assert "tags.csv: 3 rows read, 0 written" in third
    assert _snapshot() == before


def test_a_changed_rating_is_updated_not_duplicated(tmp_path: Path) -> None:
    folder = _write(tmp_path / "ml", FILES)
    _import(folder)
    (folder / "ratings.csv").write_text(RATINGS.replace("1,1,4.5,", "1,1,2.0,"), encoding="utf-8")
    _import(folder)
    assert Rating.objects.count() == 4
    assert Rating.objects.get(external_user="1", title__movielens_id=1).score == 4.0


def test_ratings_of_unknown_movies_are_counted_not_stored(tmp_path: Path) -> None:
    out = _import(_write(tmp_path / "ml", {"ratings.csv": RATINGS}))
    assert "4 unresolved ratings of a movieId not in the catalog" in out
    assert not Rating.objects.exists()


def test_it_finds_the_release_folder_inside_the_folder_named(tmp_path: Path) -> None:
    _write(tmp_path / "ml-latest-small", FILES)
    _import(tmp_path)
    assert Title.objects.count() == 5


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        ("movies.csv", "movieId,name,genres\n1,A (1999),Drama\n", "movies.csv:1", "missing title"),
        (
            "ratings.csv",
            b"userId,movieId,rating,timestamp\n1,1,4.0,1\n1,\xff,4.0,1\n",
            "ratings.csv:3",
            "not UTF-8",
        ),
        (
            "ratings.csv",
            "userId,movieId,rating,timestamp\n" + "1,1,seven,1\n" * 150,
            "ratings.csv:102",
            "malformed rows",
        ),
        (
            "links.csv",
            "movieId,imdbId,tmdbId\n" + '1,"tt1,2\n' * 150,
            "links.csv:102",
            "badly quoted row",
        ),
        ("tags.csv", "", "tags.csv", "empty file"),
    ],
)
def test_a_malformed_file_stops_with_its_name_and_line(
    tmp_path: Path, name: str, text: str | bytes, where: str, message: str
) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{where}: .*{message}"):
        _import(folder)


def test_a_folder_without_movielens_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no MovieLens files here"):
        _import(tmp_path)


def test_a_few_bad_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    ratings = RATINGS + "3,1,9.5,1112486030\nnobody,1,4.0,1\n"
    out = _import(_write(tmp_path / "ml", {**FILES, "ratings.csv": ratings}))
    assert "1 rejected rating is not between 0 and 5" in out
    assert "1 rejected userId or movieId is not a number" in out
    assert Rating.objects.count() == 4


@pytest.mark.parametrize(
    ("raw", "title", "year"),
    [
        ("American President, The (1995)", "The American President", 1995),
        ("City of God (Cidade de Deus) (2002)", "City of God", 2002),
        ("Lantern Keeper, The (Der Laternenwärter) (2025)", "The Lantern Keeper", 2025),
        ("Misérables, Les (1995)", "Les Misérables", 1995),
        ("Avventura, L' (1960)", "L'Avventura", 1960),
        ("Good, the Bad and the Ugly, The (1966)", "The Good, the Bad and the Ugly", 1966),
        ("(500) Days of Summer (2009)", "(500) Days of Summer", 2009),
        ("Alien³ (a.k.a. Alien 3) (1992)", "Alien³", 1992),
        ("Millennium (1999-2001)", "Millennium", 1999),
        ("Untitled Harbor Project", "Untitled Harbor Project", None),
    ],
)
def test_titles_are_shown_as_people_write_them(raw: str, title: str, year: int | None) -> None:
    assert title_split(raw) == (title, year)
