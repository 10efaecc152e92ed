from __future__ import annotations

from django.urls import path

from reelhouse.search import views

app_name = "search"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("discover/", views.discover, name="discover"),
    path("discover/top-rated/", views.discover, {"chart": "top-rated"}, name="top-rated"),
    path("discover/popular/", views.discover, {"chart": "popular"}, name="popular"),
]
