from __future__ import annotations

from django.urls import path

from reelhouse.community import views

app_name = "community"
urlpatterns = [
    path("accounts/sign-up/", views.sign_up, name="sign-up"),
    path("accounts/sign-in/", views.sign_in, name="sign-in"),
    path("accounts/sign-out/", views.sign_out, name="sign-out"),
    path("accounts/menu/", views.account_menu, name="account-menu"),
    path("me/ratings/", views.ratings, name="ratings"),
    path("me/watchlist/", views.watchlist, name="watchlist"),
    path("title/<int:pk>/you/", views.title_you, name="title-you"),
    path("title/<int:pk>/you/fragment/", views.title_you_fragment, name="title-you-fragment"),
    path("title/<int:pk>/rating/", views.rating_set_view, name="rating-set"),
    path("title/<int:pk>/rating/delete/", views.rating_delete_view, name="rating-delete"),
    path("title/<int:pk>/watchlist/", views.watchlist_add_view, name="watchlist-add"),
    path("title/<int:pk>/watchlist/delete/", views.watchlist_remove_view, name="watchlist-remove"),
]
