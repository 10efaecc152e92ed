from __future__ import annotations

from django.urls import path

from reelhouse.recs import views

app_name = "recs"
urlpatterns = [
    path("recs/for-you/", views.for_you, name="for-you"),
]
