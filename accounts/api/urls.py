"""Routes of the accounts app under /api/v1 (`accounts:` namespace)."""

from django.urls import path

from accounts.api.views import UserMeApi

app_name = "accounts"
urlpatterns = [
    path("users/me", UserMeApi.as_view(), name="user-me"),
]
