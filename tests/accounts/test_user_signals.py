"""`accounts.signals.user_email_verified`: how the apps after accounts learn of a verified email
(devices turns pending invitations into memberships) without accounts importing them."""

import pytest

from accounts.models import User
from accounts.services import user_get_or_create_from_claims
from accounts.signals import user_email_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced():
    """The users `user_email_verified` was sent for, in order."""
    seen: list[User] = []

    def receiver(sender, *, user, **kwargs):
        seen.append(user)

    user_email_verified.connect(receiver, dispatch_uid="test_user_signals")
    yield seen
    user_email_verified.disconnect(dispatch_uid="test_user_signals")


def _claims(**overrides):
    return {"sub": "ana-sub", "email": "ana@example.com", "email_verified": True, **overrides}


def test_sent_once_for_a_new_user_with_a_verified_email(announced):
    user = user_get_or_create_from_claims(claims=_claims())
    user_get_or_create_from_claims(claims=_claims(name="Ana"))
    assert announced == [user]


def test_sent_when_a_later_token_brings_a_verified_email(announced):
    user = user_get_or_create_from_claims(claims=_claims(email_verified=False))
    assert announced == []
    user_get_or_create_from_claims(claims=_claims())
    assert announced == [user]
    assert announced[0].email == "ana@example.com"


def test_not_sent_for_an_email_another_user_has(announced):
    User.objects.create(username="staff", email="ana@example.com")
    user_get_or_create_from_claims(claims=_claims())
    assert announced == []


def test_a_failing_receiver_undoes_the_new_user(announced):
    """The user and what receivers write are one transaction: the next sign-in tries again."""

    def fail(sender, **kwargs):
        raise RuntimeError("receiver failed")

    user_email_verified.connect(fail, dispatch_uid="test_user_signals_fail")
    try:
        with pytest.raises(RuntimeError):
            user_get_or_create_from_claims(claims=_claims())
    finally:
        user_email_verified.disconnect(dispatch_uid="test_user_signals_fail")
    assert not User.objects.filter(oidc_subject="ana-sub").exists()
    user = user_get_or_create_from_claims(claims=_claims())
    assert announced[-1] == user
