from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import LazySettings
from django.db import connection
from pytest_django import DjangoDbBlocker

from reelhouse.catalog.models import Title
from reelhouse.editorial.models import Article
from reelhouse.importers.demo import showcase_load
from reelhouse.lib.snapshots import Snapshots
from reelhouse.people.models import Person
from reelhouse.search.engine import backend


@pytest.fixture(autouse=True)
def _test_settings(settings: LazySettings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.REELHOUSE_REGION = "US"


@pytest.fixture(autouse=True, scope="session")
def _required_database(django_db_setup: None) -> None:
    # CI sets this so that a run meant for PostgreSQL cannot quietly run on SQLite.
    required = os.environ.get("REELHOUSE_REQUIRE_POSTGRES") == "1"
    if required and os.environ.get("DATABASE_URL") and connection.vendor != "postgresql":
        pytest.fail(f"PostgreSQL is required, but the tests run on {connection.vendor}")


@pytest.fixture(autouse=True)
def _search_index_emptied(
    request: pytest.FixtureRequest, django_db_blocker: DjangoDbBlocker
) -> Iterator[None]:
    """After a test that commits (transaction=True, a live server), empty the search index.

    The flush after such a test empties Django's tables but not the index's own, and the next
    test that commits would find the last one's titles in it.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    commits = bool(marker and marker.kwargs.get("transaction")) or not {
        "transactional_db",
        "live_server",
    }.isdisjoint(request.fixturenames)
    if commits:
        with django_db_blocker.unblock():
            backend().clear()


@dataclass
class Showcase:
    red_shoes: Title
    red_shoes_2025: Title
    moira_shearer: Person
    article: Article


# The showcase is loaded for real once per session (and starting state), then copied back.
_snapshots = Snapshots()


@pytest.fixture
def showcase(db: None) -> Showcase:
    _snapshots.load("showcase", showcase_load)
    return Showcase(
        red_shoes=Title.objects.get(title="The Red Shoes", year=1948),
        red_shoes_2025=Title.objects.get(title="The Red Shoes", year=2025),
        moira_shearer=Person.objects.get(name="Moira Shearer"),
        article=Article.objects.get(),
    )
