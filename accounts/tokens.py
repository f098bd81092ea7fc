"""Verify a Logto access token (a JWT) and return its claims.

Everything that can be wrong with a token raises `InvalidToken`, without saying what: callers
answer every failure the same way, so a response never helps an attacker tune a forgery.
"""

from __future__ import annotations

from typing import Any

import jwt
from django.conf import settings

from accounts.claims import subject_is_valid
from accounts.jwks import KeySetUnavailable, SigningKeyNotFound, signing_key

# The asymmetric algorithms a token may be signed with; `none` and HS* are never accepted,
# whatever LOGTO_JWT_ALGORITHMS says.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
MAX_LEEWAY_SECONDS = 60
# RFC 9068's type for JWT access tokens, which Logto sets. An ID token (typ "JWT") carries the
# same issuer and, without LOGTO_API_RESOURCE, the same audience: the type tells them apart.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class InvalidToken(Exception):
    """The token is malformed, badly signed, expired, not yet valid, or addressed elsewhere."""


__all__ = ["InvalidToken", "KeySetUnavailable", "access_token_verify", "claims_decode"]


def expected_issuer() -> str:
    return settings.LOGTO_ENDPOINT + "/oidc"


def expected_audience() -> str:
    return settings.LOGTO_API_RESOURCE or settings.LOGTO_APP_ID


def allowed_algorithms() -> list[str]:
    return [alg for alg in settings.LOGTO_JWT_ALGORITHMS if alg in ASYMMETRIC_ALGORITHMS]


def access_token_verify(token: str, *, seek_unknown_kid: bool = True) -> dict[str, Any]:
    """The verified claims of `token`; raises InvalidToken, or KeySetUnavailable when the
    provider has never been reached and does not answer now. Without `seek_unknown_kid` a key
    id the held set lacks makes the token invalid instead of sending for the set again."""
    audience = expected_audience()
    if not settings.LOGTO_ENDPOINT or not audience:
        raise InvalidToken  # JWT authentication is not configured
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken from exc
    algorithm, kid, token_type = header.get("alg"), header.get("kid"), header.get("typ")
    if algorithm not in allowed_algorithms() or not isinstance(kid, str) or not kid:
        raise InvalidToken
    if not isinstance(token_type, str) or token_type.lower() not in ACCESS_TOKEN_TYPES:
        raise InvalidToken
    try:
        key = signing_key(kid, algorithm, seek_unknown_kid=seek_unknown_kid)
    except SigningKeyNotFound as exc:
        raise InvalidToken from exc
    claims = claims_decode(token, key=key.key, algorithm=algorithm, audience=audience)
    # A subject no user can be stored under (too long, NUL, lone surrogate, blank) is refused
    # like any other bad token: the database would otherwise answer 500.
    if not subject_is_valid(claims.get("sub")):
        raise InvalidToken
    return claims


def claims_decode(token: str, *, key: Any, algorithm: str, audience: str) -> dict[str, Any]:
    """Verify `token`'s signature with `key` and its claims against Logto's issuer and
    `audience` (access tokens and the admin login's ID tokens alike); raises InvalidToken."""
    if algorithm not in allowed_algorithms():
        raise InvalidToken
    try:
        return jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=audience,
            issuer=expected_issuer(),
            leeway=min(int(settings.LOGTO_JWT_LEEWAY), MAX_LEEWAY_SECONDS),
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken from exc
