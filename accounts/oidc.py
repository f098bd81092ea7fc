"""Staff log in to the admin through Logto (mozilla-django-oidc), when configured.

Users are matched by OIDC subject, as API tokens are, never by email; an unknown subject
becomes a user the same way a first API token does. The admin still lets in only active staff:
a superuser grants `is_staff` to the people who should have it.
"""

from __future__ import annotations

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.claims import subject_is_valid
from accounts.models import User
from accounts.services import user_get_or_create_from_claims
from accounts.tokens import InvalidToken, claims_decode


class LogtoAdminOIDCBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload, key):
        """The ID token, checked as API tokens are: any of the asymmetric algorithms Logto
        signs with (the library allows only the one OIDC_RP_SIGN_ALGO names, so an RS256
        tenant could not log in), and addressed to this app by this issuer (the library
        checks neither)."""
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            return claims_decode(
                payload, key=key, algorithm=algorithm, audience=settings.LOGTO_APP_ID
            )
        except (jwt.PyJWTError, InvalidToken) as exc:
            raise SuspiciousOperation("The ID token did not verify.") from exc

    def verify_claims(self, claims) -> bool:
        return subject_is_valid(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(oidc_subject=claims["sub"])

    def create_user(self, claims) -> User:
        return user_get_or_create_from_claims(claims=claims)

    def update_user(self, user: User, claims) -> User:
        return user_get_or_create_from_claims(claims=claims)
