from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.models import Title
from reelhouse.catalog.tests.factories import make_title

# The browser fixtures of the title page's test, for the signed-in flow's.
from reelhouse.catalog.tests.test_title_page_browser import chromium, screenshots  # noqa: F401
from reelhouse.community.models import User
from reelhouse.community.tests.factories import make_user


@pytest.fixture
def alice(db: None) -> User:
    """The member whose ratings and watchlist the tests look at."""
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> User:
    """Another member: he never sees or changes alice's rows."""
    return make_user("bob")


@pytest.fixture
def film(db: None) -> Title:
    return make_title("The Red Shoes", year=1948, synopsis="A ballerina between love and art.")


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client
