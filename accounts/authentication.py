"""DRF authentication for dashboard users: `Authorization: Bearer <Logto access token>`.

`authentication_reject` is shared with the API-key authentication: every failure, whatever its
reason, is the same 401 `authentication_failed` and counts towards the client address's
failed-authentication budget; over that budget the failure is a 429 instead. Credentials are
always checked first, so a valid one works from any address.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.services import user_get_or_create_from_claims
from accounts.throttling import auth_failure_record, auth_failures_wait
from accounts.tokens import InvalidToken, KeySetUnavailable, access_token_verify

logger = logging.getLogger(__name__)

AUTHENTICATION_FAILED_MESSAGE = "Invalid or expired credentials."
WWW_AUTHENTICATE = 'Bearer realm="api"'


class IdentityProviderUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The identity provider is unavailable; try again shortly."
    default_code = "identity_provider_unavailable"


def authentication_reject(request, reason: str, *, wait: float | None = None) -> NoReturn:
    """Count the failure against the client address and answer 401 without saying why, or 429
    while the address is over its budget (`wait`, from `auth_failures_wait`, when the caller
    already asked)."""
    logger.info("authentication failed: %s", reason)
    if wait is None:
        wait = auth_failures_wait(request)
    auth_failure_record(request)
    if wait is not None:
        raise exceptions.Throttled(wait=wait)
    raise exceptions.AuthenticationFailed(AUTHENTICATION_FAILED_MESSAGE)


class LogtoJWTAuthentication(BaseAuthentication):
    """A Logto access token; the first sight of its subject creates the user."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        # Over the failure budget, a made-up key id from that address must not send the
        # platform to the provider for the key set again.
        wait = auth_failures_wait(request)
        if len(parts) != 2:
            authentication_reject(request, "malformed bearer header", wait=wait)
        try:
            token = parts[1].decode("ascii")
            claims = access_token_verify(token, seek_unknown_kid=wait is None)
        except (UnicodeDecodeError, InvalidToken):
            authentication_reject(request, "invalid token", wait=wait)
        except KeySetUnavailable as exc:
            raise IdentityProviderUnavailable from exc
        user = user_get_or_create_from_claims(claims=claims)
        if not user.is_active:
            authentication_reject(request, "inactive user", wait=wait)
        return user, claims

    def authenticate_header(self, request) -> str:
        return WWW_AUTHENTICATE
