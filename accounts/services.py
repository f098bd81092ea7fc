"""Writes on users: the dashboard user behind a verified identity-provider subject."""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from accounts.claims import column_length
from accounts.models import User
from accounts.signals import user_email_verified
from core.jsonsafe import storable_text

logger = logging.getLogger(__name__)

_validate_picture_url = URLValidator(schemes=["http", "https"])
# Inserting a new user: the first try, one without the email, one under a spare username,
# one more should a clash have gone by the time it is looked for.
_CREATE_ATTEMPTS = 4


def _username_for(subject: str) -> str:
    username = "logto_" + subject
    if len(username) <= 150:
        return username
    return "logto_" + hashlib.sha256(subject.encode()).hexdigest()


def _spare_username() -> str:
    """For a subject whose own username is already someone else's (e.g. a staff account)."""
    return "logto_" + secrets.token_hex(16)


def _storable(value: Any, field: str) -> str | None:
    """`value` stripped, when it is text that column `field` can hold; None otherwise."""
    if not isinstance(value, str) or not storable_text(value):
        return None
    value = value.strip()
    return value if len(value) <= column_length(field) else None


def _is_valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _profile_from(claims: dict[str, Any]) -> dict[str, str]:
    """email, name and picture_url from the claims, where they are present and well-formed.

    A value the database cannot store (NUL, a lone surrogate, longer than its column), an
    invalid email, or a picture that is not an http(s) URL counts as absent: the user keeps
    what they had.
    """
    profile: dict[str, str] = {}
    # Members are added by email: only an address the provider says it verified is taken (one
    # it did not verify, or says nothing about, could be anyone's).
    verified = claims.get("email_verified") is True
    email = _storable(claims.get("email"), "email") if verified else None
    if email and _is_valid(validate_email, email):
        profile["email"] = email
    for key in ("name", "username"):
        raw = claims.get(key)
        name = _storable(raw, "name") if raw else None
        if name is not None:
            profile["name"] = name
            break
    picture = _storable(claims.get("picture"), "picture_url")
    if picture and _is_valid(_validate_picture_url, picture):
        profile["picture_url"] = picture
    return profile


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another user has `email`, compared as the unique constraint compares (the
    database's own LOWER(): PostgreSQL folds e.g. the Kelvin sign into "k", UPPER() does not)."""
    others = User.objects.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def _user_create(subject: str, profile: dict[str, str]) -> tuple[User, bool]:
    """The new user with `subject`, or the one another request created meanwhile (False).

    The email check before the insert can lose a race (another request takes the address in
    between), so a unique violation means any of: the same subject created meanwhile (use
    it), the email taken meanwhile (retry without it), the username taken (retry under a
    spare one).
    """
    if "email" in profile and _email_taken(profile["email"]):
        logger.warning("new OIDC user: email already belongs to another user; left blank")
        profile = {key: value for key, value in profile.items() if key != "email"}
    username = _username_for(subject)
    attempts_left = _CREATE_ATTEMPTS
    while True:
        try:
            with transaction.atomic():
                user = User(oidc_subject=subject, username=username, **profile)
                user.set_unusable_password()
                user.save(force_insert=True)
        except IntegrityError:
            existing = User.objects.filter(oidc_subject=subject).first()
            if existing is not None:
                return existing, False
            attempts_left -= 1
            if not attempts_left:
                raise
            if "email" in profile and _email_taken(profile["email"]):
                logger.warning("new OIDC user: email taken meanwhile by another user; left blank")
                profile = {key: value for key, value in profile.items() if key != "email"}
            elif User.objects.filter(username=username).exists():
                logger.warning("new OIDC user: username %s already taken; using a spare", username)
                username = _spare_username()
            elif "email" in profile:  # the clash is gone, or could not be told: play safe
                profile = {key: value for key, value in profile.items() if key != "email"}
        else:
            logger.info("user %s created from OIDC subject", user.pk)
            return user, True


def _user_update(user: User, profile: dict[str, str]) -> None:
    """Bring the user's profile up to date; an email another user has (or takes meanwhile)
    is not copied."""
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    if "email" in changed and _email_taken(profile["email"], exclude_pk=user.pk):
        changed.remove("email")
    if not changed:
        return
    email_before = user.email
    for field in changed:
        setattr(user, field, profile[field])
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError:
        if "email" not in changed:
            raise
        # Another user took the address between the check and this write.
        logger.warning("OIDC user %s: email taken meanwhile by another user; kept", user.pk)
        user.email = email_before
        changed.remove("email")
        if changed:
            user.save(update_fields=changed)


def user_get_or_create_from_claims(*, claims: dict[str, Any]) -> User:
    """The user with OIDC subject `claims["sub"]`, created on first sight.

    Email, name and picture come from the claims, and later tokens keep them current. An email
    that already belongs to another user is not copied: accounts are matched by subject only,
    never by email, so a token cannot take over an account by claiming its address. A
    deactivated user is returned as stored (the caller refuses them), never updated. A new or
    changed verified email is announced (`accounts.signals`) in the transaction that stores it.
    `claims["sub"]` must pass `accounts.claims.subject_is_valid` (as verified tokens do).
    """
    subject = claims["sub"]
    profile = _profile_from(claims)
    user = User.objects.filter(oidc_subject=subject).first()
    if user is None:
        with transaction.atomic():
            user, created = _user_create(subject, profile)
            if created:
                _email_verified_announce(user, email_before="")
                return user
    if user.is_active:
        with transaction.atomic():
            email_before = user.email
            _user_update(user, profile)
            _email_verified_announce(user, email_before=email_before)
    return user


def _email_verified_announce(user: User, *, email_before: str) -> None:
    """Send `user_email_verified` when the user now has an email they did not have (emails are
    only ever taken from verified claims here)."""
    if user.email and user.email != email_before:
        user_email_verified.send(sender=User, user=user)
