from __future__ import annotations

from django.contrib import admin

from reelhouse.people.models import Credit, Person


class CreditInline(admin.TabularInline[Credit, Person]):
    model = Credit
    extra = 0
    autocomplete_fields = ["title"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["name", "known_for", "birth_year", "imdb_id"]
    search_fields = ["name", "imdb_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CreditInline]
