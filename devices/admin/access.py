"""Admin for who may use a device: memberships and API keys (a new key is shown once)."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse

from devices.models import DeviceApiKey, DeviceMembership
from devices.services.api_keys import api_key_create, api_key_revoke


class DeviceMembershipInline(admin.TabularInline):
    model = DeviceMembership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class DeviceApiKeyInline(admin.TabularInline):
    model = DeviceApiKey
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["name", "prefix", "read_only", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are created from the API key page, which shows the key once


@admin.register(DeviceMembership)
class DeviceMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "device", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "device__name"]
    list_select_related = ["user", "device"]
    raw_id_fields = ["user", "device"]


@admin.register(DeviceApiKey)
class DeviceApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "device",
        "read_only",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "device__name"]
    list_select_related = ["device"]
    raw_id_fields = ["device", "created_by"]
    readonly_fields = ["prefix", "created_by", "last_used_at", "revoked_at", "created_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["device", "name", "read_only", "expires_at"]
        return ["device", "name", "prefix", "read_only", "expires_at", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["device", *self.readonly_fields]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service, like the API: the key is generated, only its hash stored.
        api_key, raw_key = api_key_create(
            device=obj.device,
            name=obj.name,
            read_only=obj.read_only,
            expires_at=obj.expires_at,
            created_by=request.user,
        )
        obj.__dict__.update(api_key.__dict__)
        obj._raw_key = raw_key

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new key once, on its own page, instead of the usual redirect."""
        return TemplateResponse(
            request,
            "devices/admin/api_key_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "API key created",
                "api_key": obj,
                "raw_key": obj._raw_key,
                "changelist_url": reverse("admin:devices_deviceapikey_changelist"),
            },
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        count = 0
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
            count += 1
        self.message_user(request, f"{count} API keys revoked.")


