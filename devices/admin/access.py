"""Admin for who may use a device: memberships, pending invitations and API keys (a new key
is shown once).

Every write is the API's service, so staff keep to the API's rules and locks: a device that
has an owner keeps at least one, checked under the device's lock. The forms check it first
too, to show the error on the form; a change that loses a race is refused by the service.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from devices.admin.base import ServiceRefusalsMixin, stored
from devices.models import DeviceApiKey, DeviceInvitation, DeviceMembership, Role
from devices.services.api_keys import api_key_revoke, api_key_store, api_key_update
from devices.services.members import (
    LastOwnerError,
    invitation_delete,
    member_is_last_owner,
    member_remove,
    member_store,
    member_update_role,
)

LAST_OWNER_MESSAGE = LastOwnerError.default_message


class DeviceMembershipInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        had_owner = any(
            form.instance.pk and form.initial.get("role") == Role.OWNER for form in self.forms
        )
        kept_owner = any(
            form.cleaned_data.get("role") == Role.OWNER and not form.cleaned_data.get("DELETE")
            for form in self.forms
            if hasattr(form, "cleaned_data")
        )
        if had_owner and not kept_owner:
            raise forms.ValidationError(LAST_OWNER_MESSAGE)

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if index is not None and index < self.initial_form_count():
            # A membership stays with its user: remove it and add another instead.
            form.fields["user"].disabled = True

    def save(self, commit: bool = True) -> list[DeviceMembership]:
        """Save through the members services. New members and promotions go first, so a save
        that hands ownership over keeps an owner throughout; then demotions, then removals."""
        if not commit:
            raise NotImplementedError("memberships are saved by the services, not deferred")
        kept = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        added = [form for form in kept if form not in self.initial_forms]
        changed = [form for form in kept if form in self.initial_forms]
        self.new_objects = [member_store(membership=form.instance) for form in added]
        self.changed_objects = []
        for form in sorted(changed, key=lambda form: form.instance.role != Role.OWNER):
            member_update_role(membership=stored(form.instance), role=form.instance.role)
            self.changed_objects.append((form.instance, form.changed_data))
        self.deleted_objects = []
        for form in self.initial_forms:
            if self._should_delete_form(form):
                member_remove(membership=form.instance)
                self.deleted_objects.append(form.instance)
        return [*self.new_objects, *(membership for membership, _ in self.changed_objects)]


class DeviceMembershipInline(admin.TabularInline):
    model = DeviceMembership
    formset = DeviceMembershipInlineFormSet
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


class DeviceMembershipForm(forms.ModelForm):
    class Meta:
        model = DeviceMembership
        fields = ["user", "device", "role"]

    def clean(self):
        cleaned = super().clean()
        # The instance still holds the stored values here (the form's are applied after).
        stored = self.instance
        if stored.pk and cleaned.get("role") != Role.OWNER and member_is_last_owner(stored):
            self.add_error("role", LAST_OWNER_MESSAGE)
        return cleaned


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
class DeviceMembershipAdmin(ServiceRefusalsMixin, admin.ModelAdmin):
    list_display = ["user", "device", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "device__name"]
    list_select_related = ["user", "device"]
    raw_id_fields = ["user", "device"]
    form = DeviceMembershipForm

    def get_readonly_fields(self, request, obj=None):
        # A membership stays with its user and device: moving it could take a device's last
        # owner away. Remove it and add another instead.
        return ["user", "device"] if obj is not None else []

    def delete_view(self, request, object_id, extra_context=None):
        # Not has_delete_permission: the admin asks that for every membership a device's (or a
        # user's) deletion cascades to, and deleting the whole device is allowed. Checked here
        # to spare the confirmation page; member_remove checks again under the device's lock.
        membership = self.get_object(request, unquote(object_id))
        if membership is not None and member_is_last_owner(membership):
            self.message_user(request, LAST_OWNER_MESSAGE, level=messages.ERROR)
            change = reverse("admin:devices_devicemembership_change", args=[membership.pk])
            return HttpResponseRedirect(change)
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            member_update_role(membership=stored(obj), role=obj.role)  # only the role can change
        else:
            member_store(membership=obj)

    def delete_model(self, request, obj) -> None:
        member_remove(membership=obj)  # locks the device: two staff cannot remove both owners

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset.select_related("device"):
            try:
                member_remove(membership=membership)
            except LastOwnerError:
                self.message_user(
                    request,
                    f"{membership.user} stays: {LAST_OWNER_MESSAGE}",
                    level=messages.ERROR,
                )


@admin.register(DeviceInvitation)
class DeviceInvitationAdmin(admin.ModelAdmin):
    """Read-only: an invitation is made by an owner and accepted by a first sign-in; staff may
    only withdraw one."""

    list_display = ["email", "device", "role", "invited_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["email", "device__name", "invited_by__email"]
    list_select_related = ["device", "invited_by"]
    fields = readonly_fields = ["email", "device", "role", "invited_by", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        invitation_delete(invitation=obj)

    def delete_queryset(self, request, queryset) -> None:
        for invitation in queryset:
            invitation_delete(invitation=invitation)


@admin.register(DeviceApiKey)
class DeviceApiKeyAdmin(ServiceRefusalsMixin, admin.ModelAdmin):
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
        # The API's services: a new key is drawn and only its hash stored; an edit writes only
        # what changed.
        if change:
            api_key_update(
                api_key=stored(obj),
                name=obj.name,
                read_only=obj.read_only,
                expires_at=obj.expires_at,
            )
        else:
            obj.created_by = request.user
            obj.key = api_key_store(api_key=obj)  # for response_add's page; never stored

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new key once, on its own page, instead of the usual redirect (admin views
        send `Cache-Control: no-store`, so no cache or history keeps the page)."""
        return TemplateResponse(
            request,
            "devices/admin/api_key_created.html",
            {
                **self.admin_site.each_context(request),
                "title": "API key created",
                "api_key": obj,
                "raw_key": obj.key,
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
