"""The access vocabulary every app shares: roles on a device and what a view requires.

Views declare `required_role = {"GET": VIEWER, "PATCH": ADMIN, ...}` with the names below;
the devices app enforces them (devices.access.DeviceAccessPermission). Keeping the words here
lets accounts declare its own views' needs without naming devices.

  - VIEWER / ADMIN / OWNER: at least this role on the device the request names;
  - USER: a dashboard user (API keys are refused with 403);
  - AUTHENTICATED: any caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Role(models.TextChoices):
    """A member's role on a device, lowest first; each role can do what the ones below can."""

    VIEWER = "viewer", "Viewer"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"


ROLE_RANK: dict[str, int] = {Role.VIEWER: 1, Role.ADMIN: 2, Role.OWNER: 3}

VIEWER = Role.VIEWER.value
ADMIN = Role.ADMIN.value
OWNER = Role.OWNER.value
USER = "user"
AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Requirement:
    """What a method needs: the least role on the device, and whether API keys may call it."""

    min_role: str
    api_keys: bool


def requirement_of(value: str) -> Requirement:
    if value == AUTHENTICATED:
        return Requirement(VIEWER, api_keys=True)
    if value == USER:
        return Requirement(VIEWER, api_keys=False)
    if value in ROLE_RANK:
        return Requirement(str(value), api_keys=value != OWNER)
    raise ImproperlyConfigured("Unknown required_role value: " + repr(value))


def requirement_for(view: Any, request_or_method: Any) -> Requirement | None:
    """The view's declared requirement for a method (HEAD counts as GET), or None."""
    method = getattr(request_or_method, "method", request_or_method).upper()
    if method == "HEAD":
        method = "GET"
    declared = getattr(view, "required_role", None) or {}
    value = declared.get(method)
    return requirement_of(value) if value else None


def role_at_least(role: str | None, min_role: str) -> bool:
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[min_role]

