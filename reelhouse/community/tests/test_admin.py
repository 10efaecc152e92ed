from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.catalog.models import Title
from reelhouse.community.models import User
from reelhouse.community.tests.factories import make_watchlist

pytestmark = pytest.mark.django_db


def test_staff_can_look_through_watchlists(client: Client, alice: User, film: Title) -> None:
    make_watchlist(alice, film)
    admin = User.objects.create_superuser("admin", password="x")
    client.force_login(admin)
    response = client.get("/admin/community/watchlist/", {"q": "alice"})
    assert response.status_code == 200
    assert "The Red Shoes" in response.content.decode()
