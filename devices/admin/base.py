"""What the devices admins share: their writes go through the services, whose refusals are
messages.

A service that refuses (an ApplicationError: a device's last owner, an upstream that is down)
raises out of the transaction the admin wraps a save or a delete in, so nothing of it is kept,
not the object, not an inline row. Staff see the reason on the page they came from, instead of
a "changed successfully" for a change that did not happen.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.exceptions import ApplicationError


class ServiceRefusalsMixin:
    """For a ModelAdmin whose save_model, delete_model or formsets call services."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            return self._refused(request, f"Not saved: {exc.message}", request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            change = reverse(admin_urlname(self.opts, "change"), args=[object_id])
            return self._refused(request, f"Not deleted: {exc.message}", change)

    def _refused(self, request, message: str, url: str) -> HttpResponseRedirect:
        self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(url)


def stored(obj: Model) -> Model:
    """`obj` as the database holds it. The admin's instance already carries the form's values,
    while a service compares what it is asked for with what is stored."""
    return type(obj)._default_manager.get(pk=obj.pk)
