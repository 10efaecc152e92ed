from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from reelhouse import errors
from reelhouse.api.router import api
from reelhouse.catalog import views as catalog_views

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("", include("reelhouse.catalog.urls")),
    path("", include("reelhouse.people.urls")),
    path("", include("reelhouse.editorial.urls")),
    path("", include("reelhouse.search.urls")),
    path("", include("reelhouse.recs.urls")),
    path("", include("reelhouse.community.urls")),
    path("healthz", errors.healthz, name="healthz"),
    path("favicon.ico", catalog_views.favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
