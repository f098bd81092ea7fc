"""Writes on users: the dashboard user behind a verified identity-provider subject."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User

logger = logging.getLogger(__name__)


def _username_for(subject: str) -> str:
    username = "logto_" + subject
    if len(username) <= 150:
        return username
    return "logto_" + hashlib.sha256(subject.encode()).hexdigest()


def _profile_from(claims: dict[str, Any]) -> dict[str, str]:
    """email, name and picture_url from the claims, where they are present and well-formed."""
    profile: dict[str, str] = {}
    email = claims.get("email")
    if isinstance(email, str) and "@" in email and len(email) <= 254:
        profile["email"] = email.strip()
    name = claims.get("name") or claims.get("username")
    if isinstance(name, str):
        profile["name"] = name.strip()[:255]
    picture = claims.get("picture")
    if (
        isinstance(picture, str)
        and picture.startswith(("https://", "http://"))
        and len(picture) <= 1000
    ):
        profile["picture_url"] = picture
    return profile


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


def user_get_or_create_from_claims(*, claims: dict[str, Any]) -> User:
    """The user with OIDC subject `claims["sub"]`, created on first sight.

    Email, name and picture come from the claims, and later tokens keep them current. An email
    that already belongs to another user is not copied: accounts are matched by subject only,
    never by email, so a token cannot take over an account by claiming its address.
    """
    subject = claims["sub"]
    profile = _profile_from(claims)
    user = User.objects.filter(oidc_subject=subject).first()
    if user is None:
        if "email" in profile and _email_taken(profile["email"]):
            logger.warning("new OIDC user: email already belongs to another user; left blank")
            del profile["email"]
        try:
            with transaction.atomic():
                user = User(oidc_subject=subject, username=_username_for(subject), **profile)
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            # Another request created the same subject first.
            user = User.objects.get(oidc_subject=subject)
        else:
            logger.info("user %s created from OIDC subject", user.pk)
            return user
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    if "email" in changed and _email_taken(profile["email"], exclude_pk=user.pk):
        changed.remove("email")
    if changed:
        for field in changed:
            setattr(user, field, profile[field])
        user.save(update_fields=changed)
    return user
