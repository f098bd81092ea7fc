"""Every API route, for every kind of caller, gets exactly what the access rules allow.

Routes are found by walking the URL configuration, so a new route is tested without editing
this file: its roles come from the view's `required_role` (devices/access.py), which must exist
for every method, and must obey the access rules (README, API: reads open to viewers, read-only
keys never write, members and API keys and deleting a device for owners only); routes the
product names have their roles pinned in POLICY. Path parameters are filled from PATH_PARAMS
and bodies from BODIES; a route with a new kind of path parameter fails loudly until an entry
is added.

Outcomes: anonymous 401; a caller that cannot see the target device 404; one that sees it
with too low a role (or an API key on a user-only route) 403; an allowed caller anything but
401/403/404, and never a 5xx: the sandbox upstream is up, so an allowed call that reaches it
gets a real answer. No response to a denied caller, nor any response to a caller that cannot
see the device, contains the device's id, its name, or a key prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from factories.messaging import MessageFactory
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401
from rest_framework.views import APIView

from core.access import requirement_for, role_at_least
from devices.access import DeviceAccessPermission
from devices.models import DeviceInvitation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _upstream(sandbox):
    """Routes that reach the upstream talk to the sandbox, so an allowed call can succeed."""
    return sandbox

API_PREFIX = "api/v1/"
# Views that deliberately take no caller credential; each needs its reason.
EXEMPT = {
    "api/v1/": "the API root: public, names the version and the docs",
    "api/v1/webhooks/whatsapp": "called by the upstream, authenticated by its HMAC signature",
}
# The roles the product gives the routes it names (path pattern, method) -> required_role.
# Routes of later issues are listed ahead; entries for routes that do not exist are unused.
POLICY = {
    ("users/me", "GET"): "user",
    ("users/me/devices", "GET"): "user",
    ("users/me/devices", "POST"): "user",
    ("users/me/devices/<device_id>", "DELETE"): "user",
    ("devices", "GET"): "authenticated",
    ("devices", "POST"): "user",
    ("devices/<device_id>", "GET"): "viewer",
    ("devices/<device_id>", "PATCH"): "admin",
    ("devices/<device_id>", "DELETE"): "owner",
    ("devices/<device_id>/members", "GET"): "owner",
    ("devices/<device_id>/members", "POST"): "owner",
    ("devices/<device_id>/members/<member_id>", "PATCH"): "owner",
    ("devices/<device_id>/members/<member_id>", "DELETE"): "owner",
    ("devices/<device_id>/invitations", "GET"): "owner",
    ("devices/<device_id>/invitations/<invitation_id>", "DELETE"): "owner",
    ("devices/<device_id>/api-keys", "GET"): "owner",
    ("devices/<device_id>/api-keys", "POST"): "owner",
    ("devices/<device_id>/api-keys/<key_id>", "DELETE"): "owner",
    ("devices/<device_id>/status", "GET"): "viewer",
    ("devices/<device_id>/login", "POST"): "admin",
    ("devices/<device_id>/login/code", "POST"): "admin",
    ("devices/<device_id>/logout", "POST"): "admin",
    ("devices/<device_id>/reconnect", "POST"): "admin",
    ("messages", "GET"): "authenticated",
    ("messages", "POST"): "admin",
    ("messages/<message_id>", "GET"): "viewer",
    ("messages/<message_id>/retry", "POST"): "admin",
    ("messages/<message_id>/cancel", "POST"): "admin",
}
# The access rules: "members, API keys, delete the device" are the owner's alone (pending
# invitations are members to be).
OWNER_ONLY = re.compile(r"^devices/<device_id>/(members|invitations|api-keys)(/|$)")
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    pattern: str  # below /api/v1/, converters stripped: "devices/<device_id>/members"
    view: type[APIView]
    method: str

    def __str__(self) -> str:
        return f"{self.method} /{API_PREFIX}{self.pattern}"


def _walk(resolvers, prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for entry in resolvers:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _walk(entry.url_patterns, pattern)
        elif isinstance(entry, URLPattern):
            found.append((pattern, entry.callback))
    return found


def discover_routes() -> tuple[list[Route], list[str]]:
    """(every method of every /api/v1 view, the exempt patterns met)."""
    routes, exempt = [], []
    for raw, callback in _walk(get_resolver().url_patterns):
        pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", raw.lstrip("^").rstrip("$"))
        if not pattern.startswith(API_PREFIX):
            continue
        if pattern in EXEMPT:
            exempt.append(pattern)
            continue
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert view is not None and issubclass(view, APIView), f"/{pattern} is not an APIView"
        for method in METHODS:
            if hasattr(view, method):
                routes.append(Route(pattern[len(API_PREFIX) :], view, method.upper()))
    return routes, exempt


ROUTES, EXEMPT_FOUND = discover_routes()


# ---- the world: one target device, a caller of every kind --------------------------------
class World:
    def __init__(self) -> None:
        self.device = DeviceFactory(name="Target device 7f3a9c")
        self.owner = DeviceMembershipFactory(device=self.device, role=Role.OWNER).user
        self.admin = DeviceMembershipFactory(device=self.device, role=Role.ADMIN).user
        viewer = DeviceMembershipFactory(device=self.device, role=Role.VIEWER)
        self.viewer, self.viewer_membership = viewer.user, viewer
        other = DeviceMembershipFactory(role=Role.OWNER, device__name="Other device 51be02")
        self.non_member, self.other_device = other.user, other.device
        self.outsider = UserFactory()  # a user to add as a member
        self.invitation = DeviceInvitation.objects.create(
            device=self.device, email="pending-7f3a9c@example.com", invited_by=self.owner
        )
        self.read_only_key, self.read_only_raw = api_key_for(self.device, read_only=True)
        self.full_key, self.full_raw = api_key_for(self.device)
        self.other_key, self.other_raw = api_key_for(self.other_device)
        self.message = MessageFactory(device=self.device)

    def secrets(self) -> list[str]:
        """What a caller that may not see the target device must never be shown."""
        return [
            str(self.device.pk),
            self.device.name,
            self.read_only_key.prefix,
            self.full_key.prefix,
            str(self.viewer_membership.pk),
            str(self.invitation.pk),
            self.invitation.email,
        ]


# kind of caller -> (role on the target device or None if invisible, is an API key)
CALLERS: dict[str, tuple[str | None, bool]] = {
    "owner": ("owner", False),
    "admin": ("admin", False),
    "viewer": ("viewer", False),
    "non_member": (None, False),
    "read_only_key": ("viewer", True),
    "full_key": ("admin", True),
    "other_device_key": (None, True),
    "anonymous": (None, False),
}


def _credentials(world: World, caller: str, provider) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller.endswith("_key"):
        raw = {
            "read_only_key": world.read_only_raw,
            "full_key": world.full_raw,
            "other_device_key": world.other_raw,
        }[caller]
        return {"HTTP_X_API_KEY": raw}
    return bearer(provider, getattr(world, caller))


PATH_PARAMS: dict[str, Callable[[World], Any]] = {
    "device_id": lambda w: w.device.pk,
    "member_id": lambda w: w.viewer_membership.pk,
    "key_id": lambda w: w.read_only_key.pk,
    "message_id": lambda w: w.message.pk,
    "invitation_id": lambda w: w.invitation.pk,
}
# Path parameters naming an object of the target device: the route is scoped to that device.
OBJECT_PARAMS = ("message_id",)
# (pattern, method) -> body; routes not listed get {} (URL names the device) or the target's
# device_id (for routes that take the device from the body).
BODIES: dict[tuple[str, str], Callable[[World], dict]] = {
    ("devices", "POST"): lambda w: {"name": "Created by the matrix"},
    ("devices/<device_id>", "PATCH"): lambda w: {"name": "Renamed by the matrix"},
    ("devices/<device_id>/members", "POST"): lambda w: {"email": w.outsider.email},
    ("devices/<device_id>/members/<member_id>", "PATCH"): lambda w: {"role": "admin"},
    ("devices/<device_id>/api-keys", "POST"): lambda w: {"name": "matrix", "read_only": True},
    ("users/me/devices", "POST"): lambda w: {"api_key": w.full_raw},
    ("devices/<device_id>/login/code", "POST"): lambda w: {"phone_number": "+62 812 3456 7890"},
    ("messages", "POST"): lambda w: {"device_id": str(w.device.pk), "to": "6282222222222",
                                     "text": "From the matrix"},
}
# Routes with a body above that still name their device in it (`device_id`).
BODY_NAMES_DEVICE = {("messages", "POST")}
# Routes of this issue, which need no upstream: an allowed caller gets a 2xx.
SUCCEEDS = {
    key
    for key, role in POLICY.items()
    if key[0]
    in (
        "users/me",
        "users/me/devices",
        "users/me/devices/<device_id>",
        "devices",
        "devices/<device_id>",
        "devices/<device_id>/members",
        "devices/<device_id>/members/<member_id>",
        "devices/<device_id>/invitations",
        "devices/<device_id>/invitations/<invitation_id>",
        "devices/<device_id>/api-keys",
        "devices/<device_id>/api-keys/<key_id>",
        # Upstream-backed, answered by the sandbox.
        "devices/<device_id>/status",
        "devices/<device_id>/login",
        "devices/<device_id>/login/code",
        "messages",
        "messages/<message_id>",
    )
}
# Allowed, but refused for the state of the world: the target's only owner cannot leave it.
CONFLICTS = {
    (("users/me/devices/<device_id>", "DELETE"), "owner"): "last_owner",
    # The target device was never logged in: a send is refused, not queued.
    **{(("messages", "POST"), caller): "device_not_logged_in"
       for caller in ("owner", "admin", "full_key")},
}  # fmt: skip
# Routes whose body proves access on its own (the device's full key): not a leak when answered.
PROVES_ACCESS = {("users/me/devices", "POST")}


def _url(route: Route, world: World) -> str:
    def fill(match: re.Match) -> str:
        name = match[1]
        if name not in PATH_PARAMS:
            pytest.fail(f"{route}: add a PATH_PARAMS entry for <{name}>")
        return str(PATH_PARAMS[name](world))

    return "/" + API_PREFIX + re.sub(r"<(\w+)>", fill, route.pattern)


def _expected(route: Route, caller: str) -> int | None:
    """The denial status for this caller, or None when the caller is allowed."""
    if caller == "anonymous":
        return 401
    requirement = requirement_for(route.view, route.method)
    role, is_key = CALLERS[caller]
    if is_key and not requirement.api_keys:
        return 403
    device_scoped = (
        "<device_id>" in route.pattern
        or any("<" + name + ">" in route.pattern for name in OBJECT_PARAMS)
        or _body_names_device(route)
    )
    if not device_scoped:
        return None
    if role is None:
        return 404
    return None if role_at_least(role, requirement.min_role) else 403


def _body_names_device(route: Route) -> bool:
    key = (route.pattern, route.method)
    return route.method != "GET" and (key not in BODIES or key in BODY_NAMES_DEVICE)


def _body(route: Route, world: World) -> dict | None:
    if route.method in ("GET", "DELETE"):
        return None
    make = BODIES.get((route.pattern, route.method))
    if make is not None:
        return make(world)
    return {} if "<device_id>" in route.pattern else {"device_id": str(world.device.pk)}


CASES = [
    pytest.param(route, caller, id=f"{route}-{caller}") for route in ROUTES for caller in CALLERS
]


@pytest.mark.parametrize(("route", "caller"), CASES)
def test_route_answers_each_caller_as_section_6_says(
    route, caller, api_client, identity_provider, _upstream
):
    world = World()
    # The target device has its slot on the upstream, as a created device does.
    assert _upstream.upstream(
        "POST", "/devices", json={"device_id": world.device.slot_id}
    ).status_code == 200
    body = _body(route, world)
    response = getattr(api_client, route.method.lower())(
        _url(route, world),
        data=body,
        format="json" if body is not None else None,
        **_credentials(world, caller, identity_provider),
    )
    expected = _expected(route, caller)
    if expected is None:
        assert response.status_code not in (401, 403, 404), (
            f"{route} as {caller}: {response.status_code} {response.content[:300]!r}"
        )
        assert response.status_code < 500, response.content[:300]
        if ((route.pattern, route.method), caller) in CONFLICTS:
            assert response.json()["code"] == CONFLICTS[(route.pattern, route.method), caller]
        elif (route.pattern, route.method) in SUCCEEDS:
            assert 200 <= response.status_code < 300, response.content[:300]
    else:
        assert response.status_code == expected, (
            f"{route} as {caller}: expected {expected}, got {response.status_code} "
            f"{response.content[:300]!r}"
        )
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}[expected]
        assert response.json()["code"] == code
    invisible = CALLERS[caller][0] is None
    if expected is not None or (invisible and (route.pattern, route.method) not in PROVES_ACCESS):
        text = response.content.decode()
        for secret in world.secrets():
            assert secret not in text, f"{route} as {caller} leaked {secret!r}"


# ---- the declarations themselves ---------------------------------------------------------
def test_discovery_finds_the_routes_of_this_issue():
    patterns = {(route.pattern, route.method) for route in ROUTES}
    assert {key for key in POLICY if not key[0].startswith("devices/<device_id>/")} <= patterns
    assert ("devices/<device_id>/members", "GET") in patterns
    assert ("devices/<device_id>/api-keys/<key_id>", "DELETE") in patterns
    assert "api/v1/" in EXEMPT_FOUND


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_declares_its_role_and_uses_the_permission_layer(route):
    assert DeviceAccessPermission in route.view.permission_classes, (
        f"{route}: {route.view.__name__} replaced DeviceAccessPermission"
    )
    requirement = requirement_for(route.view, route.method)
    assert requirement is not None, f"{route}: {route.view.__name__} has no required_role"


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_declaration_obeys_section_6(route):
    declared = (getattr(route.view, "required_role", None) or {}).get(route.method)
    requirement = requirement_for(route.view, route.method)
    key = (route.pattern, route.method)
    if key in POLICY:
        assert declared == POLICY[key], f"{route}: declared {declared!r}, expected {POLICY[key]!r}"
    if OWNER_ONLY.match(route.pattern) or key == ("devices/<device_id>", "DELETE"):
        assert declared == "owner", f"{route}: owners only"
    elif route.method == "GET":
        assert requirement.min_role == "viewer", f"{route}: reads are open to viewers"
    elif requirement.api_keys:
        assert role_at_least(requirement.min_role, "admin"), f"{route}: a read-only key writes"
