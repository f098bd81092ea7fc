"""Routes of the devices app under /api/v1 (`devices:` namespace)."""

from django.urls import path

from devices.api.api_keys import DeviceApiKeyDetailApi, DeviceApiKeyListCreateApi
from devices.api.devices import DeviceDetailApi, DeviceListCreateApi
from devices.api.lifecycle import (
    DeviceLoginApi,
    DeviceLoginCodeApi,
    DeviceLogoutApi,
    DeviceReconnectApi,
    DeviceStatusApi,
)
from devices.api.members import (
    DeviceInvitationDetailApi,
    DeviceInvitationListApi,
    DeviceMemberDetailApi,
    DeviceMemberListCreateApi,
    UserDeviceLeaveApi,
    UserDeviceListLinkApi,
)
from devices.api.webhooks import WhatsAppWebhookApi

app_name = "devices"
urlpatterns = [
    path("devices", DeviceListCreateApi.as_view(), name="device-list"),
    path("devices/<uuid:device_id>", DeviceDetailApi.as_view(), name="device-detail"),
    path("devices/<uuid:device_id>/status", DeviceStatusApi.as_view(), name="device-status"),
    path("devices/<uuid:device_id>/login", DeviceLoginApi.as_view(), name="device-login"),
    path(
        "devices/<uuid:device_id>/login/code",
        DeviceLoginCodeApi.as_view(),
        name="device-login-code",
    ),
    path("devices/<uuid:device_id>/logout", DeviceLogoutApi.as_view(), name="device-logout"),
    path(
        "devices/<uuid:device_id>/reconnect",
        DeviceReconnectApi.as_view(),
        name="device-reconnect",
    ),
    path("webhooks/whatsapp", WhatsAppWebhookApi.as_view(), name="webhook-whatsapp"),
    path(
        "devices/<uuid:device_id>/members",
        DeviceMemberListCreateApi.as_view(),
        name="member-list",
    ),
    path(
        "devices/<uuid:device_id>/members/<uuid:member_id>",
        DeviceMemberDetailApi.as_view(),
        name="member-detail",
    ),
    path(
        "devices/<uuid:device_id>/invitations",
        DeviceInvitationListApi.as_view(),
        name="invitation-list",
    ),
    path(
        "devices/<uuid:device_id>/invitations/<uuid:invitation_id>",
        DeviceInvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path(
        "devices/<uuid:device_id>/api-keys",
        DeviceApiKeyListCreateApi.as_view(),
        name="api-key-list",
    ),
    path(
        "devices/<uuid:device_id>/api-keys/<uuid:key_id>",
        DeviceApiKeyDetailApi.as_view(),
        name="api-key-detail",
    ),
    path("users/me/devices", UserDeviceListLinkApi.as_view(), name="user-device-list"),
    path(
        "users/me/devices/<uuid:device_id>",
        UserDeviceLeaveApi.as_view(),
        name="user-device-detail",
    ),
]
