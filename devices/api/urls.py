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
DEVICE = "devices/<uuid:device_id>"
urlpatterns = [
    path("devices", DeviceListCreateApi.as_view(), name="device-list"),
    path(DEVICE, DeviceDetailApi.as_view(), name="device-detail"),
    path(DEVICE + "/status", DeviceStatusApi.as_view(), name="device-status"),
    path(DEVICE + "/login", DeviceLoginApi.as_view(), name="device-login"),
    path(DEVICE + "/login/code", DeviceLoginCodeApi.as_view(), name="device-login-code"),
    path(DEVICE + "/logout", DeviceLogoutApi.as_view(), name="device-logout"),
    path(DEVICE + "/reconnect", DeviceReconnectApi.as_view(), name="device-reconnect"),
    path("webhooks/whatsapp", WhatsAppWebhookApi.as_view(), name="webhook-whatsapp"),
    path(DEVICE + "/members", DeviceMemberListCreateApi.as_view(), name="member-list"),
    path(
        DEVICE + "/members/<uuid:member_id>", DeviceMemberDetailApi.as_view(), name="member-detail"
    ),
    path(DEVICE + "/api-keys", DeviceApiKeyListCreateApi.as_view(), name="api-key-list"),
    path(DEVICE + "/invitations", DeviceInvitationListApi.as_view(), name="invitation-list"),
    path(
        DEVICE + "/invitations/<uuid:invitation_id>",
        DeviceInvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path(
        DEVICE + "/api-keys/<uuid:key_id>", DeviceApiKeyDetailApi.as_view(), name="api-key-detail"
    ),
    path("users/me/devices", UserDeviceListLinkApi.as_view(), name="user-device-list"),
    path("users/me/" + DEVICE, UserDeviceLeaveApi.as_view(), name="user-device-detail"),
]
