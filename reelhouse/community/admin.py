from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from reelhouse.community.models import Review, User, Watchlist

admin.site.register(User, UserAdmin)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ["title", "author_name", "created_at", "status", "is_spoiler", "source"]
    list_filter = ["status", "source", "is_spoiler"]
    search_fields = ["author_name", "text", "title__title"]
    autocomplete_fields = ["title", "user"]
    actions = ["publish", "hide"]

    @admin.action(description="Publish the selected reviews")
    def publish(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self._moderate(queryset, Review.Status.PUBLISHED)

    @admin.action(description="Hide the selected reviews")
    def hide(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        self._moderate(queryset, Review.Status.HIDDEN)

    def _moderate(self, queryset: QuerySet[Review], status: str) -> None:
        # Saved one by one so each title's page forgets its stale document.
        for review in queryset:
            review.status = status
            review.save(update_fields=["status", "updated_at"])


@admin.register(Watchlist)
class WatchlistAdmin(admin.ModelAdmin[Watchlist]):
    list_display = ["user", "title", "added_at"]
    search_fields = ["user__username", "title__title"]
    autocomplete_fields = ["title", "user"]
    date_hierarchy = "added_at"
