"""Users made from token claims: whatever a correctly signed token carries, and however many
requests race, the answer is 200 or 401, never 500 (fuzz findings F8 and F9)."""

import threading
import time

import pytest
from django.db import connection, transaction
from factories.accounts import UserFactory
from identity_provider import assert_authentication_failed
from rest_framework.test import APIClient

from accounts.models import User
from accounts.oidc import LogtoAdminOIDCBackend

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
KELVIN = "\u212a"  # KELVIN SIGN: PostgreSQL's LOWER() makes it "k", UPPER() leaves it as is


def _get(api_client, token: str):
    return api_client.get(ME, HTTP_AUTHORIZATION="Bearer " + token)


# ---- F9: claims the database cannot store ----------------------------------------------------


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param("x" * 256, id="longer-than-the-column"),
        pytest.param("abc\x00def", id="nul"),
        pytest.param("abc\ud800", id="lone-high-surrogate"),
        pytest.param("\udfffabc", id="lone-low-surrogate"),
        pytest.param(" \t\n ", id="only-whitespace"),
        pytest.param("", id="empty"),
    ],
)
def test_a_subject_the_database_cannot_store_is_401(api_client, identity_provider, sub):
    response = _get(api_client, identity_provider.token(sub=sub))
    assert_authentication_failed(response)
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param("x" * 255, id="as-long-as-the-column"),
        pytest.param("x" * 145, id="username-hashed"),
        pytest.param("\U0001f600-emoji", id="astral-character"),
    ],
)
def test_a_subject_the_database_can_store_is_accepted(api_client, identity_provider, sub):
    token = identity_provider.token(sub=sub)
    assert _get(api_client, token).status_code == 200
    assert _get(api_client, token).status_code == 200
    assert User.objects.get().oidc_subject == sub


BAD_EMAILS = [
    pytest.param("ana\x00@example.com", id="email-nul"),
    pytest.param("ana\ud800@example.com", id="email-surrogate"),
    pytest.param("a" * 250 + "@example.com", id="email-too-long"),
    pytest.param("not an email", id="email-invalid"),
    pytest.param("ana@@example.com", id="email-two-ats"),
    pytest.param("@", id="email-only-at"),
]
BAD_NAMES = [
    pytest.param("An\x00a", id="name-nul"),
    pytest.param("Ana\udfff", id="name-surrogate"),
    pytest.param("A" * 256, id="name-too-long"),
]
BAD_PICTURES = [
    pytest.param("https://img.example.com/\x00.png", id="picture-nul"),
    pytest.param("https://img.example.com/\ud800.png", id="picture-surrogate"),
    pytest.param("https://img.example.com/" + "a" * 1000, id="picture-too-long"),
    pytest.param("javascript:alert(1)", id="picture-javascript"),
    pytest.param("ftp://img.example.com/a.png", id="picture-ftp"),
    pytest.param("https://", id="picture-no-host"),
    pytest.param("https://exa mple.com/a.png", id="picture-space"),
]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_an_email_the_database_cannot_store_is_ignored(api_client, identity_provider, email):
    response = _get(api_client, identity_provider.token(sub="s", email=email, name="Ana"))
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["name"]) == ("", "Ana")
    assert User.objects.get(oidc_subject="s").email == ""


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_the_database_cannot_store_is_ignored(api_client, identity_provider, name):
    response = _get(
        api_client, identity_provider.token(sub="s", email="ana@example.com", name=name)
    )
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["name"]) == ("ana@example.com", "")


def test_a_bad_name_falls_back_to_the_username_claim(api_client, identity_provider):
    response = _get(api_client, identity_provider.token(sub="s", name="A\x00", username="ana"))
    assert (response.status_code, response.json()["name"]) == (200, "ana")


@pytest.mark.parametrize("picture", BAD_PICTURES)
def test_a_picture_the_database_cannot_store_is_ignored(api_client, identity_provider, picture):
    response = _get(api_client, identity_provider.token(sub="s", picture=picture, name="Ana"))
    assert response.status_code == 200
    assert (response.json()["picture_url"], response.json()["name"]) == ("", "Ana")


@pytest.mark.parametrize(
    "claims",
    [{"email": e} for e in ("x\x00@example.com", "no")]
    + [{"name": "\x00"}, {"picture": "https://e.com/\ud800"}],
)
def test_bad_claims_leave_an_existing_profile_alone(api_client, identity_provider, claims):
    user = UserFactory(name="Ana", picture_url="https://img.example.com/ana.png")
    before = (user.email, user.name, user.picture_url)
    assert (
        _get(api_client, identity_provider.token(sub=user.oidc_subject, **claims)).status_code
        == 200
    )
    user.refresh_from_db()
    assert (user.email, user.name, user.picture_url) == before


def test_good_claims_are_still_taken(api_client, identity_provider):
    response = _get(
        api_client,
        identity_provider.token(
            sub="s",
            email="  Ana.Maria+tag@Example.COM ",
            name=" Ana \U0001f600 ",
            picture="HTTPS://img.example.com/a.png?size=2",
        ),
    )
    assert response.status_code == 200
    assert User.objects.filter(
        oidc_subject="s",
        email="Ana.Maria+tag@Example.COM",
        name="Ana \U0001f600",
        picture_url="HTTPS://img.example.com/a.png?size=2",
    ).exists()


@pytest.mark.parametrize("sub", ["x" * 256, "a\x00", "a\ud800", "  ", "", None, 7])
def test_the_admin_login_refuses_a_subject_the_database_cannot_store(sub):
    assert LogtoAdminOIDCBackend().verify_claims({"sub": sub}) is False


# ---- F8: the email constraint (Lower(email), unique) ------------------------------------------


def test_an_email_equal_to_another_users_under_lower_is_not_copied(api_client, identity_provider):
    """PostgreSQL's LOWER() folds the Kelvin sign into "k" (UPPER() does not): the check must
    compare as the constraint does, or every request of this user is a 500."""
    owner = UserFactory(email="kate@example.com")
    token = identity_provider.token(sub="kelvin", email=KELVIN + "ate@example.com")
    for _ in range(2):
        assert _get(api_client, token).status_code == 200
    newcomer = User.objects.get(oidc_subject="kelvin")
    if connection.vendor == "postgresql":
        assert newcomer.email == ""
    owner.refresh_from_db()
    assert owner.email == "kate@example.com"


def test_switching_to_an_email_equal_under_lower_keeps_the_old_one(api_client, identity_provider):
    UserFactory(email="kate@example.com")
    user = UserFactory(email="other@example.com")
    token = identity_provider.token(
        sub=user.oidc_subject, email=KELVIN + "ate@example.com", name="New name"
    )
    for _ in range(2):
        assert _get(api_client, token).status_code == 200
    user.refresh_from_db()
    assert user.name == "New name"
    if connection.vendor == "postgresql":
        assert user.email == "other@example.com"


def _while_another_transaction_takes(email: str, request):
    """Run `request()` in a thread while another transaction inserts a user with `email` and
    commits only once the request's own write waits on it: the request's check saw the address
    free, its write finds it taken. The race, for real, at the one moment it matters."""
    inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def other() -> None:
        try:
            with transaction.atomic():
                UserFactory(email=email, oidc_subject="taker")
                inserted.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def run() -> None:
        try:
            outcome["response"] = request()
        finally:
            connection.close()

    taker = threading.Thread(target=other)
    taker.start()
    assert inserted.wait(timeout=10)
    requester = threading.Thread(target=run)
    requester.start()
    _until_a_write_waits()
    release.set()
    taker.join(timeout=30)
    requester.join(timeout=30)
    return outcome["response"]


def _until_a_write_waits(timeout: float = 10) -> None:
    """Until another session waits on a lock (PostgreSQL); SQLite has no such view: there the
    request's write waits on the taker's open transaction, given a moment to get there."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the request never waited on the other transaction")


@pytest.mark.django_db(transaction=True)
def test_a_new_user_whose_email_was_just_taken_is_created_without_it(identity_provider):
    token = identity_provider.token(sub="late", email="ANA@example.com", name="Late")
    assert _get(APIClient(), identity_provider.token(sub="warm-up")).status_code == 200
    response = _while_another_transaction_takes(
        "ana@example.com", lambda: _get(APIClient(), token)
    )
    assert response.status_code == 200
    late = User.objects.get(oidc_subject="late")
    assert (late.email, late.name) == ("", "Late")
    assert response.json()["email"] == ""
    assert User.objects.get(oidc_subject="taker").email == "ana@example.com"


@pytest.mark.django_db(transaction=True)
def test_a_user_switching_to_an_email_just_taken_keeps_the_old_one(identity_provider):
    user = UserFactory(email="old@example.com", name="Old")
    token = identity_provider.token(sub=user.oidc_subject, email="ana@example.com", name="New")
    assert _get(APIClient(), identity_provider.token(sub="warm-up")).status_code == 200
    response = _while_another_transaction_takes(
        "ana@example.com", lambda: _get(APIClient(), token)
    )
    assert response.status_code == 200
    assert (response.json()["email"], response.json()["name"]) == ("old@example.com", "New")
    user.refresh_from_db()
    assert (user.email, user.name) == ("old@example.com", "New")


def test_a_username_already_in_use_does_not_block_a_new_subject(api_client, identity_provider):
    """A staff account named like a dashboard user ("logto_<sub>") gets no say in who logs in."""
    staff = User.objects.create_user("logto_clash", email="staff@example.com", is_staff=True)
    response = _get(api_client, identity_provider.token(sub="clash", email="new@example.com"))
    assert response.status_code == 200
    user = User.objects.get(oidc_subject="clash")
    assert user.pk != staff.pk and user.email == "new@example.com"
    assert _get(api_client, identity_provider.token(sub="clash")).json()["id"] == user.pk


# ---- F8 under real concurrency (PostgreSQL) ---------------------------------------------------


def _concurrently(tokens: list[str]) -> list[int]:
    """Send one request per token, all released at once; their statuses (500 for a raise)."""
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = [0] * len(tokens)

    def run(index: int, token: str) -> None:
        try:
            client = APIClient(REMOTE_ADDR=f"10.9.0.{index + 1}")
            barrier.wait(timeout=10)
            try:
                statuses[index] = _get(client, token).status_code
            except Exception:
                statuses[index] = 500
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.fixture
def concurrent_writers():
    """Nothing to set up: the races run on every backend (SQLite serialises the writers, so
    there they check that serialised writers end the same way)."""


@pytest.mark.django_db(transaction=True)
def test_new_subjects_racing_for_one_new_email(concurrent_writers, identity_provider):
    assert _get(APIClient(), identity_provider.token(sub="warm-up")).status_code == 200
    tokens = [
        identity_provider.token(sub=f"racer-{n}", email="Same@example.com") for n in range(12)
    ]
    assert _concurrently(tokens) == [200] * 12
    racers = User.objects.filter(oidc_subject__startswith="racer-")
    assert racers.count() == 12
    assert sorted(racers.values_list("email", flat=True)) == [""] * 11 + ["Same@example.com"]


@pytest.mark.django_db(transaction=True)
def test_existing_users_racing_to_one_email(concurrent_writers, identity_provider):
    users = [UserFactory() for _ in range(6)]
    old = {user.pk: user.email for user in users}
    assert _get(APIClient(), identity_provider.token(sub="warm-up")).status_code == 200
    tokens = [
        identity_provider.token(sub=user.oidc_subject, email="same@example.com", name="Renamed")
        for user in users
    ]
    assert _concurrently(tokens) == [200] * 6
    emails = []
    for user in users:
        user.refresh_from_db()
        assert user.name == "Renamed"
        assert user.email in ("same@example.com", old[user.pk])
        emails.append(user.email)
    assert emails.count("same@example.com") == 1


@pytest.mark.django_db(transaction=True)
def test_one_new_subject_racing_itself(concurrent_writers, identity_provider):
    assert _get(APIClient(), identity_provider.token(sub="warm-up")).status_code == 200
    tokens = [identity_provider.token(sub="twin", email="twin@example.com") for _ in range(8)]
    assert _concurrently(tokens) == [200] * 8
    assert User.objects.filter(oidc_subject="twin", email="twin@example.com").count() == 1
