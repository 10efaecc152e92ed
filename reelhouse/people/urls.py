from __future__ import annotations

from django.urls import path

from reelhouse.people import views

app_name = "people"
urlpatterns = [
    path("person/<int:pk>/", views.person_detail, name="detail-by-id"),
    path("person/<int:pk>-<slug:slug>/", views.person_detail, name="detail"),
]
