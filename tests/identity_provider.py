"""A local OpenID provider over real HTTP, standing in for Logto in tests.

It serves `/oidc/.well-known/openid-configuration` and `/oidc/jwks` (an EC P-384 key for
ES384, Logto's default, and an RSA key for RS256) plus a token and userinfo endpoint for the
admin's OIDC login, counts every request by path, and can be switched down (it then answers
503). Each instance lives under its own random path, so caches keyed by the endpoint never
leak between tests. `token()` mints access tokens with PyJWT.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from rest_framework.test import APIClient

API_RESOURCE = "https://api.platform.test"
APP_ID = "platform-dashboard"
APP_SECRET = "platform-dashboard-secret"


@cache
def _keys() -> dict[str, Any]:
    """Generated once per test process: RSA generation is the slow part."""
    return {
        "ec": ec.generate_private_key(ec.SECP384R1()),
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "stranger": ec.generate_private_key(ec.SECP384R1()),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class IdentityProvider:
    def __init__(self) -> None:
        keys = _keys()
        self.private_keys = {"ec-1": keys["ec"], "rsa-1": keys["rsa"]}
        self.algorithms = {"ec-1": "ES384", "rsa-1": "RS256"}
        self.requests: Counter[str] = Counter()
        self.down = False
        # When set, served as the JWKS document instead of the real keys.
        self.jwks_override: Any = None
        # The admin login's ID token: which key signs it, and claims to override.
        self.id_token_kid = "ec-1"
        self.id_token_claims: dict[str, Any] = {}
        self.userinfo: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._base = "/" + secrets.token_hex(6)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # server ---------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self._base}"

    @property
    def issuer(self) -> str:
        return self.endpoint + "/oidc"

    def start(self) -> IdentityProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, path: str) -> int:
        return self.requests[path]

    @property
    def jwks_fetches(self) -> int:
        return self.count("/oidc/jwks")

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, private_key in self.private_keys.items():
            algorithm = ECAlgorithm if self.algorithms[kid].startswith("ES") else RSAAlgorithm
            jwk = algorithm.to_jwk(private_key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": self.algorithms[kid]})
        return {"keys": keys}

    def add_key(self, kid: str) -> None:
        """Rotate in a new EC key (as Logto does when keys are rotated)."""
        self.private_keys[kid] = ec.generate_private_key(ec.SECP384R1())
        self.algorithms[kid] = "ES384"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.issuer + "/jwks",
            "authorization_endpoint": self.issuer + "/auth",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/me",
            "id_token_signing_alg_values_supported": ["ES384"],
        }

    def _handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _route(self) -> str | None:
                path = self.path.split("?", 1)[0]
                if not path.startswith(idp._base + "/"):
                    return None
                return path[len(idp._base) :]

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                route = self._route()
                with idp._lock:
                    idp.requests[route or self.path] += 1
                if idp.down:
                    self._answer(503, {"error": "down"})
                elif route == "/oidc/.well-known/openid-configuration":
                    self._answer(200, idp.discovery())
                elif route == "/oidc/jwks":
                    override = idp.jwks_override
                    self._answer(200, idp.jwks() if override is None else override)
                elif route == "/oidc/me":
                    self._answer(200, idp.userinfo)
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                route = self._route()
                with idp._lock:
                    idp.requests[route or self.path] += 1
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if idp.down:
                    self._answer(503, {"error": "down"})
                elif route == "/oidc/token" and form.get("client_secret") == [APP_SECRET]:
                    id_token = idp.token(
                        kid=idp.id_token_kid,
                        headers={"typ": "JWT"},
                        **{
                            "aud": APP_ID,
                            "sub": idp.userinfo.get("sub"),
                            "nonce": idp.next_nonce,
                            **idp.id_token_claims,
                        },
                    )
                    self._answer(200, {"access_token": "opaque", "id_token": id_token})
                else:
                    self._answer(400, {"error": "invalid_request"})

        return Handler

    next_nonce: str | None = None

    # tokens ---------------------------------------------------------------------------
    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": API_RESOURCE,
            "sub": "user-" + secrets.token_hex(4),
            "iat": now,
            "exp": now + 3600,
            "scope": "",
            "client_id": APP_ID,
        }
        if "email" in overrides:
            # Logto sends an address with whether it was verified; here it was, unless a test
            # says otherwise.
            claims["email_verified"] = True
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def token(self, *, kid: str = "ec-1", headers: dict | None = None, **claims: Any) -> str:
        """An access token (typ `at+jwt`, as Logto's) signed by key `kid`; claim and header
        overrides, where None removes a claim or header."""
        headers = {"kid": kid, "typ": "at+jwt", **(headers or {})}
        return jwt.encode(
            self.claims(**claims),
            self.private_keys[kid],
            algorithm=self.algorithms[kid],
            headers={key: value for key, value in headers.items() if value is not None},
        )

    def token_signed_by_stranger(self, kid: str, **claims: Any) -> str:
        """A well-formed ES384 token whose key the provider does not publish."""
        return jwt.encode(
            self.claims(**claims), _keys()["stranger"], algorithm="ES384", headers={"kid": kid}
        )

    def unsigned_token(self, **claims: Any) -> str:
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "ec-1"}).encode())
        payload = _b64(json.dumps(self.claims(**claims)).encode())
        return f"{header}.{payload}."

    def hs256_token_with_public_key(self, kid: str = "ec-1", **claims: Any) -> str:
        """The algorithm-confusion attack: HMAC keyed with the provider's public key."""
        public_pem = (
            self.private_keys[kid]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
        payload = _b64(json.dumps(self.claims(**claims)).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = _b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"


@pytest.fixture(name="identity_provider")
def identity_provider_fixture(settings) -> Iterator[IdentityProvider]:
    """A running provider; LOGTO_* settings point at it for the test. Import
    `identity_provider_fixture` into a test module (or conftest) to use `identity_provider`."""
    provider = IdentityProvider().start()
    settings.LOGTO_ENDPOINT = provider.endpoint
    settings.LOGTO_API_RESOURCE = API_RESOURCE
    settings.LOGTO_APP_ID = APP_ID
    settings.LOGTO_APP_SECRET = APP_SECRET
    try:
        yield provider
    finally:
        provider.stop()


def assert_authentication_failed(response) -> None:
    """The one answer to every bad credential: 401, a stable code, no reason given."""
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "Invalid or expired credentials.",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def bearer(provider: IdentityProvider, user, **claims: Any) -> dict[str, str]:
    """Request headers (for APIClient's **extra) carrying a valid token for `user`."""
    return {"HTTP_AUTHORIZATION": "Bearer " + provider.token(sub=user.oidc_subject, **claims)}


@pytest.fixture(name="api_client")
def api_client_fixture() -> APIClient:
    """A client with its own address: failed-authentication counts are per address, and the
    tests that import this fail authentication on purpose."""
    address = ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))
    return APIClient(REMOTE_ADDR="10." + address)


@pytest.fixture(name="as_user")
def as_user_fixture(api_client, identity_provider):
    """A function: `as_user(user)` makes api_client send a valid token for `user`."""

    def authenticate(user):
        api_client.credentials(**bearer(identity_provider, user))
        return api_client

    return authenticate
