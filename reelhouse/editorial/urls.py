from __future__ import annotations

from django.urls import path

from reelhouse.editorial import views

app_name = "editorial"
urlpatterns = [
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
]
