"""Signal handlers that keep the search index current with single edits (admin, services).

Connected in `apps.SearchConfig.ready`. Bulk writers send no signals: importers call
`services.search_index_update(kind, ids)` with the ids they wrote (see docs/SEARCH.md).
"""

from __future__ import annotations

from typing import Any

from reelhouse.search.discover import discover_update
from reelhouse.search.services import search_index_remove, search_index_update


def title_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_update("title", [instance.pk])
    discover_update([instance.pk])


def title_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_remove("title", [instance.pk])


def alternative_title_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_update("title", [instance.title_id])


def person_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_update("person", [instance.pk])


def person_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_remove("person", [instance.pk])


def article_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_update("article", [instance.pk])


def article_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    search_index_remove("article", [instance.pk])


def signals_connect() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(title_saved, sender="catalog.Title", dispatch_uid="search-title-save")
    post_delete.connect(title_deleted, sender="catalog.Title", dispatch_uid="search-title-del")
    for signal, uid in ((post_save, "save"), (post_delete, "del")):
        signal.connect(
            alternative_title_changed,
            sender="catalog.AlternativeTitle",
            dispatch_uid=f"search-alt-{uid}",
        )
    post_save.connect(person_saved, sender="people.Person", dispatch_uid="search-person-save")
    post_delete.connect(person_deleted, sender="people.Person", dispatch_uid="search-person-del")
    post_save.connect(article_saved, sender="editorial.Article", dispatch_uid="search-article-save")
    post_delete.connect(
        article_deleted, sender="editorial.Article", dispatch_uid="search-article-del"
    )
