from __future__ import annotations

from django.contrib import admin

from reelhouse.catalog.models import (
    AlternativeTitle,
    Availability,
    Certification,
    Genre,
    Keyword,
    Provider,
    Title,
    TitleRelation,
    Video,
)


class CertificationInline(admin.TabularInline[Certification, Title]):
    model = Certification
    extra = 0


class VideoInline(admin.TabularInline[Video, Title]):
    model = Video
    extra = 0


class AvailabilityInline(admin.TabularInline[Availability, Title]):
    model = Availability
    extra = 0
    autocomplete_fields = ["provider"]


class RelationInline(admin.TabularInline[TitleRelation, Title]):
    model = TitleRelation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin[Title]):
    list_display = ["title", "year", "kind", "rating", "rating_votes", "imdb_id", "tmdb_id"]
    list_filter = ["kind"]
    search_fields = ["title", "original_title", "imdb_id"]
    autocomplete_fields = ["genres", "keywords", "parent"]
    inlines = [CertificationInline, VideoInline, AvailabilityInline, RelationInline]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin[Genre]):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin[Keyword]):
    search_fields = ["name"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    list_display = ["name", "display_priority"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


admin.site.register(AlternativeTitle)
