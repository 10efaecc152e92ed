from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management import CommandError, call_command

from reelhouse.catalog.models import Title, TitleDocument

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _static_root(settings: LazySettings, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path / "static"


def test_it_loads_the_showcase_into_an_empty_database() -> None:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Loaded the showcase: 22 titles" in out.getvalue()
    assert Title.objects.filter(title="The Red Shoes", year=1948).exists()
    assert TitleDocument.objects.count() == Title.objects.count()


def test_it_keeps_a_catalog_that_is_already_there() -> None:
    call_command("demo", "--no-serve", stdout=StringIO())
    Title.objects.filter(year=1984).update(synopsis="Edited by an operator.")
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "Catalog already loaded; keeping it." in out.getvalue()
    assert Title.objects.get(year=1984).synopsis == "Edited by an operator."


def test_it_refuses_a_port_out_of_range() -> None:
    with pytest.raises(CommandError, match="--port must be between 1 and 65535"):
        call_command("demo", "--no-serve", "--port", "70000")
