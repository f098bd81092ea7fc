"""The messages admin: list with filters and badges, a conversation per contact, read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from factories.messaging import MessageFactory

from contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    message = MessageFactory()
    return Contact.objects.create(device=message.device, jid="6287@s.whatsapp.net", phone="6287",
                                  name="Ana")  # fmt: skip


@pytest.mark.parametrize(
    "query", [{}, {"q": "hello"}, {"status__exact": "read"}, {"direction__exact": "outbound"},
              {"is_ignored__exact": "1"}],
)  # fmt: skip
def test_the_list_loads_filtered_and_searched(admin_client, contact, query):
    MessageFactory(device=contact.device, contact=contact, text="hello there", status="read",
                   direction="outbound", origin="api")  # fmt: skip
    response = admin_client.get("/admin/messaging/message/", query)
    assert response.status_code == 200
    html = response.content.decode()
    if query.get("q") or query.get("status__exact"):
        assert "hello there" in html
        assert "background:#27c" in html  # the read badge


def test_the_conversation_shows_bubbles_in_time_order_with_ticks_and_ignored_marked(
    admin_client, contact
):
    now = timezone.now()
    MessageFactory(device=contact.device, contact=contact, text="second", direction="outbound",
                   origin="api", status="read", timestamp=now)  # fmt: skip
    MessageFactory(device=contact.device, contact=contact, text="first",
                   timestamp=now - timedelta(minutes=5))  # fmt: skip
    MessageFactory(device=contact.device, contact=contact, text="spam offer", is_ignored=True,
                   timestamp=now - timedelta(minutes=2),
                   media={"kind": "image", "path": "statics/media/x.jpg"},
                   kind="image")  # fmt: skip
    MessageFactory(device=contact.device, text="someone else's")
    response = admin_client.get("/admin/messaging/message/conversation/%s/" % contact.pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("first") < html.index("spam offer") < html.index("second")
    assert "someone else" not in html
    assert 'class="bubble outbound"' in html
    assert 'class="bubble inbound ignored"' in html
    assert 'class="ticks read"' in html
    assert "statics/media/x.jpg" in html
    listing = admin_client.get("/admin/messaging/message/")
    assert "/admin/messaging/message/conversation/%s/" % contact.pk in listing.content.decode()


def test_an_unknown_contact_is_404_and_messages_cannot_be_added_or_edited(admin_client, contact):
    import uuid

    assert (
        admin_client.get("/admin/messaging/message/conversation/%s/" % uuid.uuid4()).status_code
        == 404
    )
    assert admin_client.get("/admin/messaging/message/add/").status_code == 403
    message = MessageFactory(device=contact.device)
    page = admin_client.get("/admin/messaging/message/%s/change/" % message.pk)
    assert page.status_code == 200  # viewable
    assert b'name="_save"' not in page.content


def test_staff_without_the_view_permission_cannot_open_a_conversation(client, contact):
    from factories.accounts import UserFactory

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    response = client.get("/admin/messaging/message/conversation/%s/" % contact.pk)
    assert response.status_code == 404
