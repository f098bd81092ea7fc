"""Contract test: the sandbox's answers validate against GOWA's own OpenAPI file.

Every GOWA route the sandbox serves is called once with a successful request and its JSON body
is validated against the documented 200 schema (refs resolved, OpenAPI 3.0 semantics). Where
CONTRACT.md documents that GOWA's code differs from its OpenAPI file, the allow-list below says
so and validates against the shape the code produces instead. A final check makes sure no
served route escaped validation.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator
from sandbox_helpers import ACCOUNT_PHONE, CONTACT_PHONE, Gowa

from sandbox import SandboxConfig, build_app

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "upstream" / "gowa-openapi.yaml"

# Routes that are not GOWA REST resources with a JSON schema to check.
NOT_IN_SCOPE = {
    ("GET", "/statics/{name}"),  # binary files (QR PNG, media)
    ("GET", "/ws"),  # WebSocket upgrade; frames are covered by test_sandbox_ws.py
}

_DEVICE_ID_RESULTS = {
    "type": "object",
    "required": ["device_id"],
    "properties": {"device_id": {"type": "string"}},
}

# Documented deviations: (method, path) → (why, schema for `results` that replaces the spec's).
DEVIATIONS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    # OpenAPI: GenericResponse, whose `results` is a string. GOWA's code returns the device id
    # (CONTRACT §4.1).
    ("GET", "/app/logout"): ("results is {device_id}", _DEVICE_ID_RESULTS),
    ("GET", "/app/reconnect"): ("results is {device_id}", _DEVICE_ID_RESULTS),
}
# `GET /devices` with no devices answers `results: null` (GOWA appends to a nil Go slice), where
# the OpenAPI declares a non-nullable array (CONTRACT §2.3).
EMPTY_DEVICE_LIST_RESULTS = {"nullable": True, "type": "array"}
# `/user/info` returns the code's shape {"data": [...]} (CONTRACT §4.5). It validates against
# the OpenAPI schema only because every property there is optional, so the test also pins the
# code's shape explicitly.
USER_INFO_ITEM_KEYS = {"name", "verified_name", "status", "picture_id", "devices"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with SPEC_PATH.open() as handle:
        return yaml.safe_load(handle)


def resolve_refs(node: Any, spec: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline every local `$ref`; a ref that points back at itself is left as `{}`."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return {}
            target: Any = spec
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return resolve_refs(target, spec, (*seen, ref))
        return {key: resolve_refs(value, spec, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve_refs(item, spec, seen) for item in node]
    return node


def response_schema(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    operation = spec["paths"][path][method.lower()]
    content = operation["responses"][str(status)]["content"]
    media_type = "application/json" if "application/json" in content else next(iter(content))
    return resolve_refs(content[media_type]["schema"], spec)


def assert_valid(instance: Any, schema: dict[str, Any]) -> None:
    validator = OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


class ContractChecker:
    def __init__(self, gowa: Gowa, spec: dict[str, Any]) -> None:
        self.gowa = gowa
        self.spec = spec
        self.checked: set[tuple[str, str]] = set()

    def call(
        self, method: str, template: str, path: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        response = self.gowa.http.request(
            method, self.gowa.base_url + (path or template), timeout=5, **kwargs
        )
        assert response.status_code == 200, f"{method} {path}: {response.text}"
        schema = response_schema(self.spec, method, template, 200)
        if template == "/health":
            assert_valid(response.text, schema)
            body: dict[str, Any] = {}
        else:
            body = response.json()
            assert body["code"] == "SUCCESS"
            assert "status" not in body  # GOWA never serialises the numeric status
            if (method, template) in DEVIATIONS:
                schema = copy.deepcopy(schema)
                schema["properties"]["results"] = DEVIATIONS[(method, template)][1]
            assert_valid(body, schema)
        self.checked.add((method, template))
        return body


def served_routes() -> set[tuple[str, str]]:
    app = build_app(SandboxConfig())
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or path.startswith("/_sandbox"):
            continue
        routes.add((route.method, path))
    return routes - NOT_IN_SCOPE


def test_every_served_route_is_a_documented_gowa_route(spec: dict[str, Any]) -> None:
    for method, path in served_routes():
        assert method.lower() in spec["paths"].get(path, {}), f"{method} {path} not in OpenAPI"


def test_success_responses_validate_against_openapi(gowa: Gowa, spec: dict[str, Any]) -> None:
    check = ContractChecker(gowa, spec)
    one = {"X-Device-Id": "c1"}
    two = {"X-Device-Id": "c2"}

    check.call("GET", "/health")
    empty = gowa.get("/devices").json()
    empty_schema = copy.deepcopy(response_schema(spec, "GET", "/devices", 200))
    empty_schema["properties"]["results"] = EMPTY_DEVICE_LIST_RESULTS
    assert_valid(empty, empty_schema)

    # Device management.
    created = check.call(
        "POST",
        "/devices",
        json={"device_id": "c1", "webhook_url": "http://127.0.0.1:9/x", "webhook_secret": "s"},
    )
    assert created["results"]["webhook_secret"] == "s"
    check.call("POST", "/devices", json={"device_id": "c2"})
    check.call("GET", "/devices/{device_id}/webhook", "/devices/c1/webhook")
    check.call(
        "PATCH",
        "/devices/{device_id}/webhook",
        "/devices/c1/webhook",
        json={"webhook_url": "", "webhook_events": "message"},
    )
    check.call("GET", "/devices/{device_id}/login", "/devices/c1/login")
    check.call(
        "POST",
        "/devices/{device_id}/login/code",
        "/devices/c1/login/code",
        params={"phone": ACCOUNT_PHONE},
    )
    scanned = gowa.control("POST", "/devices/c1/scan", json={"phone": ACCOUNT_PHONE})
    assert scanned.status_code == 200
    check.call("GET", "/devices")
    check.call("GET", "/devices/{device_id}", "/devices/c1")
    check.call("GET", "/devices/{device_id}/status", "/devices/c1/status")
    check.call("POST", "/devices/{device_id}/reconnect", "/devices/c1/reconnect")

    # Session routes (device-scoped).
    check.call("GET", "/app/login", headers=two)
    check.call("GET", "/app/login-with-code", headers=two, params={"phone": CONTACT_PHONE})
    check.call("GET", "/app/status", headers=one)
    check.call("GET", "/app/devices", headers=one)
    check.call("GET", "/app/info")
    check.call("GET", "/app/reconnect", headers=one)

    # Sends, message actions and user lookups on the paired device.
    phone = {"phone": CONTACT_PHONE}
    url = "https://example.com/media"
    sends: dict[str, dict[str, Any]] = {
        "message": {"message": "hello"},
        "image": {"image_url": url + ".png", "caption": "c"},
        "file": {"file_url": url + ".pdf"},
        "video": {"video_url": url + ".mp4"},
        "audio": {"audio_url": url + ".ogg"},
        "sticker": {"sticker_url": url + ".webp"},
        "contact": {"contact_name": "Budi", "contact_phone": "6283333333333"},
        "location": {"latitude": "-6.2", "longitude": "106.8"},
        "link": {"link": "https://example.com", "caption": "see"},
        "poll": {"question": "Q?", "options": ["a", "b"], "max_answer": 1},
    }
    for kind, fields in sends.items():
        check.call("POST", f"/send/{kind}", headers=one, json={**phone, **fields})
    for action, extra in (
        ("read", {}),
        ("reaction", {"emoji": "👍"}),
        ("revoke", {}),
        ("update", {"message": "edited"}),
        ("delete", {}),
    ):
        check.call(
            "POST",
            f"/message/{{message_id}}/{action}",
            f"/message/3EB0ABC/{action}",
            headers=one,
            json={**phone, **extra},
        )
    check.call("GET", "/user/check", headers=one, params=phone)
    info = check.call("GET", "/user/info", headers=one, params=phone)
    assert set(info["results"]["data"][0]) == USER_INFO_ITEM_KEYS

    # Tear-down routes last.
    check.call("GET", "/app/logout", headers=one)
    check.call("POST", "/devices/{device_id}/logout", "/devices/c2/logout")
    check.call("DELETE", "/devices/{device_id}", "/devices/c2")

    assert served_routes() - check.checked == set()


def test_error_responses_validate_against_openapi(gowa: Gowa, spec: dict[str, Any]) -> None:
    gowa.create_device("c1")
    cases = [
        # (method, path, kwargs, documented status)
        ("POST", "/send/message", {"json": {"phone": ""}}, 400),
        ("POST", "/send/message", {"json": {"phone": CONTACT_PHONE, "message": "x"}}, 500),
        ("GET", "/devices/{device_id}", {}, 500),
        ("GET", "/devices/{device_id}/webhook", {}, 404),
        ("POST", "/devices", {"json": {"device_id": "c1"}}, 500),
    ]
    for method, template, kwargs, status in cases:
        path = template.replace("{device_id}", "ghost")
        response = requests.request(
            method, gowa.base_url + path, auth=("admin", "admin"), timeout=5, **kwargs
        )
        assert response.status_code == status, (path, response.text)
        assert_valid(response.json(), response_schema(spec, method, template, status))
