"""The device admin: state badges, the live login QR code, and the daily actions.

Every action goes through the same services as the API, so staff and the frontend change a
device the same way. Upstream failures are shown as messages, never as a server error.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from core.exceptions import ApplicationError
from devices.admin.access import DeviceApiKeyInline, DeviceMembershipInline
from devices.admin.base import ServiceRefusalsMixin, stored
from devices.models import Device
from devices.services import lifecycle
from devices.services.devices import device_delete, device_store, device_update
from devices.services.sending import device_send_text

STATE_COLOURS = {
    Device.State.CREATED: "#6c757d",
    Device.State.AWAITING_SCAN: "#b8860b",
    Device.State.CONNECTED: "#198754",
    Device.State.DISCONNECTED: "#dc3545",
    Device.State.LOGGED_OUT: "#495057",
}


def state_badge(device: Device) -> str:
    return format_html(
        '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;'
        'white-space:nowrap">{}</span>',
        STATE_COLOURS.get(device.state, "#6c757d"),
        device.get_state_display(),
    )


class DeviceAdminForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["name"]

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and not self.errors:
            # A new device needs its upstream slot; failing here shows the error on the form
            # and stores nothing (the slot id and secret are already on the unsaved instance).
            try:
                lifecycle.device_provision(device=self.instance)
            except ApplicationError as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
        return cleaned


class DeviceTestMessageForm(forms.Form):
    to = forms.CharField(max_length=64, help_text="Phone in international format, or a JID")
    text = forms.CharField(max_length=4096, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Device)
class DeviceAdmin(ServiceRefusalsMixin, admin.ModelAdmin):
    form = DeviceAdminForm
    change_form_template = "devices/admin/device_change_form.html"
    list_display = [
        "name",
        "state_display",
        "phone_number",
        "display_name",
        "last_seen_at",
        "created_by",
        "created_at",
    ]
    list_filter = ["state", "created_at"]
    search_fields = [
        "name",
        "phone_number",
        "jid",
        "display_name",
        "upstream_id",
        "created_by__email",
    ]
    list_select_related = ["created_by"]
    readonly_fields = [
        "state_display",
        "id",
        "upstream_id",
        "jid",
        "phone_number",
        "display_name",
        "upstream_state",
        "state_checked_at",
        "last_seen_at",
        "events_link",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [DeviceMembershipInline, DeviceApiKeyInline]
    actions = ["refresh_status", "log_out", "reconnect"]

    @admin.display(description="state", ordering="state")
    def state_display(self, obj: Device) -> str:
        return state_badge(obj)

    @admin.display(description="upstream events")
    def events_link(self, obj: Device) -> str:
        url = reverse("admin:devices_upstreamevent_changelist") + f"?device__id__exact={obj.pk}"
        return format_html('<a href="{}">Events of this device</a>', url)

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else ["name", *self.readonly_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        # The device services of the API's create and rename; for a new device the slot was
        # made in the form's clean() (device_create's first step), so its errors show there.
        if change:
            device_update(device=stored(obj), name=obj.name)
        else:
            device_store(device=obj, owner=request.user)

    # --- deleting removes the upstream slot; an unreachable upstream keeps the device --------

    def delete_model(self, request, obj) -> None:
        device_delete(device=obj)

    def delete_queryset(self, request, queryset) -> None:
        failed = self._each(request, queryset, lambda d: device_delete(device=d))
        if failed:
            self.message_user(request, f"{failed} device(s) were not deleted.", messages.ERROR)

    # --- list actions ------------------------------------------------------------------------

    @admin.action(description="Refresh state from the WhatsApp server")
    def refresh_status(self, request, queryset) -> None:
        self._run(
            request, queryset, lambda d: lifecycle.device_status_refresh(device=d), "refreshed"
        )

    @admin.action(description="Log out of WhatsApp")
    def log_out(self, request, queryset) -> None:
        self._run(request, queryset, lambda d: lifecycle.device_logout(device=d), "logged out")

    @admin.action(description="Reconnect")
    def reconnect(self, request, queryset) -> None:
        self._run(request, queryset, lambda d: lifecycle.device_reconnect(device=d), "reconnected")

    def _run(self, request, queryset, operation, done: str) -> None:
        failed = self._each(request, queryset, operation)
        succeeded = len(queryset) - failed
        if succeeded:
            self.message_user(request, f"{succeeded} device(s) {done}.", messages.SUCCESS)

    def _each(self, request, devices, operation) -> int:
        failed = 0
        for device in devices:
            try:
                operation(device)
            except ApplicationError as exc:
                failed += 1
                self.message_user(request, f"{device}: {exc.message}", messages.ERROR)
        return failed

    # --- the device page's own views ---------------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<uuid:object_id>/" + route + "/",
                self.admin_site.admin_view(view),
                name="devices_device_" + route.replace("-", "_"),
            )
            for route, view in (
                ("login-qr", self.login_qr_view),
                ("state", self.state_view),
                ("operate", self.operate_view),
            )
        ]
        return own + super().get_urls()

    def _device_for_change(self, request: HttpRequest, object_id) -> Device:
        device = get_object_or_404(Device, pk=object_id)
        if not self.has_change_permission(request, device):
            raise PermissionDenied
        return device

    def login_qr_view(self, request: HttpRequest, object_id):
        """POST: start a QR login; JSON with the PNG data URI and when it expires."""
        if request.method != "POST":
            return JsonResponse({"code": "method_not_allowed"}, status=405)
        device = self._device_for_change(request, object_id)
        try:
            qr = lifecycle.device_login_qr(device=device)
        except ApplicationError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message}, status=exc.status_code)
        return JsonResponse(
            {
                "qr_code": qr.data_uri,
                "expires_in": qr.duration_seconds,
                "expires_at": qr.expires_at.isoformat(),
                "state": device.state,
            }
        )

    def state_view(self, request: HttpRequest, object_id):
        """GET: the stored state, for the QR panel's polling (cheap: no upstream call)."""
        device = get_object_or_404(Device, pk=object_id)
        if not self.has_view_permission(request, device):
            raise PermissionDenied
        return JsonResponse({"state": device.state, "label": device.get_state_display()})

    def operate_view(self, request: HttpRequest, object_id):
        """POST from the device page's buttons: log out, reconnect, refresh, test message."""
        device = self._device_for_change(request, object_id)
        back = HttpResponseRedirect(reverse("admin:devices_device_change", args=[object_id]))
        if request.method != "POST":
            return back
        operation = request.POST.get("operation")
        try:
            if operation == "logout":
                lifecycle.device_logout(device=device)
                self.message_user(request, "Logged out.", messages.SUCCESS)
            elif operation == "reconnect":
                lifecycle.device_reconnect(device=device)
                self.message_user(request, "Reconnected.", messages.SUCCESS)
            elif operation == "refresh":
                lifecycle.device_status_refresh(device=device)
                self.message_user(request, f"State: {device.get_state_display()}.")
            elif operation == "test_message":
                form = DeviceTestMessageForm(request.POST)
                if not form.is_valid():
                    self.message_user(request, "Give a recipient and a text.", messages.ERROR)
                    return back
                sent = device_send_text(device=device, **form.cleaned_data)
                self.message_user(
                    request, f"Sent (message id {sent.message_id}).", messages.SUCCESS
                )
            else:
                self.message_user(request, "Unknown operation.", messages.ERROR)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        return back

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "test_message_form": DeviceTestMessageForm()}
        return super().change_view(request, object_id, form_url, extra_context)
