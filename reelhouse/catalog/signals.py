"""Keep title documents true: a saved or deleted row forgets the documents that show it.

Bulk writes (importers, the showcase loader) send no signals and call
`title_documents_invalidate` themselves.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from reelhouse.catalog.documents import title_documents_invalidate

# Models whose rows point at one title through `title_id`.
_BY_TITLE_ID = [
    "catalog.Certification",
    "catalog.Video",
    "catalog.Availability",
    "catalog.AlternativeTitle",
    "people.Credit",
    "community.Review",
]


def _title_row_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    title_documents_invalidate([instance.title_id])


def _title_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # On delete this runs before the cascade removes the relations that say who shows it.
    title_documents_invalidate([instance.pk])


def _relation_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    title_documents_invalidate([instance.source_id, instance.target_id])


def _person_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    title_documents_invalidate(instance.credits.values_list("title_id", flat=True))


def _provider_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    title_documents_invalidate(instance.availability.values_list("title_id", flat=True))


def _article_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    title_documents_invalidate(instance.titles.values_list("pk", flat=True))


def _article_titles_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "pre_clear"}:
        title_documents_invalidate(
            [*instance.titles.values_list("pk", flat=True), *(kwargs.get("pk_set") or ())]
        )


def _title_tags_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        title_documents_invalidate([instance.pk])


for _model in _BY_TITLE_ID:
    post_save.connect(_title_row_changed, sender=_model, dispatch_uid=f"doc-save-{_model}")
    post_delete.connect(_title_row_changed, sender=_model, dispatch_uid=f"doc-del-{_model}")

post_save.connect(_title_changed, sender="catalog.Title", dispatch_uid="doc-save-title")
pre_delete.connect(_title_changed, sender="catalog.Title", dispatch_uid="doc-del-title")
post_save.connect(_relation_changed, sender="catalog.TitleRelation", dispatch_uid="doc-save-rel")
post_delete.connect(_relation_changed, sender="catalog.TitleRelation", dispatch_uid="doc-del-rel")
post_save.connect(_person_changed, sender="people.Person", dispatch_uid="doc-save-person")
post_save.connect(_provider_changed, sender="catalog.Provider", dispatch_uid="doc-save-provider")
pre_delete.connect(_provider_changed, sender="catalog.Provider", dispatch_uid="doc-del-provider")
post_save.connect(_article_changed, sender="editorial.Article", dispatch_uid="doc-save-article")
pre_delete.connect(_article_changed, sender="editorial.Article", dispatch_uid="doc-del-article")
m2m_changed.connect(
    _article_titles_changed, sender="editorial.Article_titles", dispatch_uid="doc-article-titles"
)
m2m_changed.connect(_title_tags_changed, sender="catalog.Title_genres", dispatch_uid="doc-genres")
m2m_changed.connect(
    _title_tags_changed, sender="catalog.Title_keywords", dispatch_uid="doc-keywords"
)
