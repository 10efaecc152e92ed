from __future__ import annotations

import pytest
from django.test import Client

from reelhouse.search.story import story_status

pytestmark = pytest.mark.django_db


def test_the_api_and_the_page_say_whether_story_search_is_installed(client: Client) -> None:
    status = story_status()
    assert client.get("/api/v1/search/story").json() == status
    page = client.get("/search/").content.decode()
    if status["installed"]:
        assert "or describe its story" in page
    else:
        assert status["message"] in page
