"""The permission layer every API route goes through: who is calling, and what it may do.

A caller (`Actor`) is a dashboard user (Logto JWT) or a device API key (`X-API-Key`). Users
see the devices they are members of, with their membership's role; a key sees only its own
device, as an admin (full key) or a viewer (read-only key), never as an owner.

How a view declares and gets access (the roles table of the README's API section):

    class DeviceDetailApi(APIView):
        required_role = {"GET": VIEWER, "PATCH": ADMIN, "DELETE": OWNER}

        def patch(self, request, device_id):
            device = device_from_request(request)     # already checked against ADMIN
            ...

`required_role` maps each HTTP method the view implements to a word of core.access
(VIEWER, ADMIN, OWNER, USER, AUTHENTICATED).
On a URL with a `device_id` kwarg (`device_url_kwarg` to rename it) `DeviceAccessPermission`
fetches the device before the handler runs: 404 if the caller cannot see it (another tenant's
device is never a 403), 403 if its role is below the requirement; `device_from_request`
returns it. Views that find their device another way (a body's `device_id`, a child object)
fetch through `device_get_for_actor` / `devices_visible_to` with
`requirement_for(view, request).min_role`. A method without a declaration is a configuration
error (500), so a forgotten declaration fails closed, and the permission-matrix test fails.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, F, QuerySet, Value
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from accounts.authentication import WWW_AUTHENTICATE, authentication_reject
from accounts.models import User
from core.access import (  # re-exported: the vocabulary views declare their needs in
    ADMIN,
    AUTHENTICATED,
    OWNER,
    USER,
    VIEWER,
    Requirement,
    requirement_for,
    role_at_least,
)
from devices.errors import ApiKeyNotAllowedError, DeviceNotFoundError, RoleTooLowError
from devices.models import Device, DeviceApiKey
from devices.services.api_keys import api_key_authenticate

__all__ = [
    "ADMIN", "AUTHENTICATED", "OWNER", "USER", "VIEWER", "Actor", "ApiKeyAuthentication",
    "DeviceAccessPermission", "Requirement", "as_uuid", "device_from_request",
    "device_get_for_actor", "devices_visible_to", "requirement_for",
]



class ApiKeyCaller:
    """`request.user` for a request made with an API key: authenticated, but not a User.

    Code that needs a User (`created_by=request.user`) fails loudly instead of attributing a
    key's action to a person; use `Actor.from_request(request)`.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    throttle_scope = "api_key"

    def __init__(self, api_key: DeviceApiKey) -> None:
        self.api_key = api_key
        self.throttle_ident = str(api_key.pk)

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"


@dataclass(frozen=True)
class Actor:
    """Who performs an action: exactly one of a dashboard user or a device API key."""

    user: User | None = None
    api_key: DeviceApiKey | None = None

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        if isinstance(request.auth, DeviceApiKey):
            return cls(api_key=request.auth)
        if isinstance(request.user, User) and request.user.is_authenticated:
            return cls(user=request.user)
        return cls()

    @property
    def is_api_key(self) -> bool:
        return self.api_key is not None

    def __str__(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        return "user:%s" % (self.user.pk if self.user else "-")


def devices_visible_to(*, actor: Actor) -> QuerySet[Device]:
    """The devices `actor` may see, each annotated with `caller_role` (its role there)."""
    if actor.api_key is not None:
        return Device.objects.filter(pk=actor.api_key.device_id).annotate(
            caller_role=Value(actor.api_key.role, output_field=CharField())
        )
    if actor.user is not None:
        # The annotation reuses the filter's join: one row per device, the caller's role.
        return Device.objects.filter(memberships__user=actor.user).annotate(
            caller_role=F("memberships__role")
        )
    return Device.objects.none()


def as_uuid(value: Any) -> uuid.UUID | None:
    """`value` as a UUID, or None when it is not one (an id from a path or a command line)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def device_get_for_actor(*, actor: Actor, device_id: Any, min_role: str = VIEWER) -> Device:
    """The device, if `actor` sees it with at least `min_role`.

    404 when it does not exist or is invisible to the caller; 403 when visible with a role too
    low. The device carries `caller_role`.
    """
    pk = as_uuid(device_id)
    device = devices_visible_to(actor=actor).filter(pk=pk).first() if pk else None
    if device is None:
        raise DeviceNotFoundError
    if not role_at_least(device.caller_role, min_role):
        raise RoleTooLowError
    return device


def device_from_request(request: Any) -> Device:
    """The device `DeviceAccessPermission` checked for this request's URL."""
    device = getattr(request, "accessed_device", None)
    if device is None:
        raise ImproperlyConfigured("The URL names no device: use device_get_for_actor.")
    return device


class DeviceAccessPermission(BasePermission):
    """Enforces each view's `required_role` (see the module docstring). The default for
    every API view (REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"])."""

    def has_permission(self, request, view) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False  # DRF answers 401 not_authenticated
        method = request.method.lower()
        if method == "options" or method not in view.http_method_names or not hasattr(
            view, method
        ):
            # DRF answers 405. Only real HTTP handlers count: `hasattr` alone would take a
            # method named after any view attribute (DISPATCH, SETUP…) for one.
            return True
        requirement = requirement_for(view, request)
        if requirement is None:
            raise ImproperlyConfigured(
                f"{type(view).__name__} declares no required_role for {request.method}"
            )
        actor = Actor.from_request(request)
        if actor.is_api_key and not requirement.api_keys:
            raise ApiKeyNotAllowedError
        device_id = view.kwargs.get(getattr(view, "device_url_kwarg", "device_id"))
        if device_id is not None:
            request.accessed_device = device_get_for_actor(
                actor=actor, device_id=device_id, min_role=requirement.min_role
            )
        return True


class ApiKeyAuthentication(BaseAuthentication):
    """`X-API-Key: wa_<prefix>_<secret>`; never read from the query string."""

    def authenticate(self, request):
        raw_key = request.META.get("HTTP_X_API_KEY")
        if raw_key is None:
            return None
        api_key = api_key_authenticate(raw_key=raw_key)
        if api_key is None:
            authentication_reject(request, "invalid API key")
        return ApiKeyCaller(api_key), api_key

    def authenticate_header(self, request) -> str:
        return WWW_AUTHENTICATE
