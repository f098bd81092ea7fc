"""Routes of the messaging app under /api/v1 (`messaging:` namespace)."""

from django.urls import path

from messaging.api.views import (
    MessageCancelApi,
    MessageDetailApi,
    MessageListApi,
    MessageRetryApi,
)

app_name = "messaging"
urlpatterns = [
    path("messages", MessageListApi.as_view(), name="message-list"),
    path("messages/<uuid:message_id>", MessageDetailApi.as_view(), name="message-detail"),
    path("messages/<uuid:message_id>/retry", MessageRetryApi.as_view(), name="message-retry"),
    path("messages/<uuid:message_id>/cancel", MessageCancelApi.as_view(), name="message-cancel"),
]
