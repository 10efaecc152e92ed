from __future__ import annotations

from django.urls import path

from reelhouse.catalog import views

app_name = "catalog"
urlpatterns = [
    path("title/<int:pk>/", views.title_detail, name="detail-by-id"),
    path("title/<int:pk>-<slug:slug>/", views.title_detail, name="detail"),
    path("title/<int:pk>-<slug:slug>/reviews/", views.title_reviews, name="reviews"),
]
