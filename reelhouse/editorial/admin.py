from __future__ import annotations

from django.contrib import admin

from reelhouse.editorial.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["headline", "status", "published_at", "author_name"]
    list_filter = ["status"]
    search_fields = ["headline", "body"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["titles", "people"]
