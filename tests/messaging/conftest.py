"""Fixtures of the messaging tests: a linked device, and events recorded then drained."""

import pytest
from factories.devices import DeviceFactory
from identity_provider import api_client_fixture, as_user_fixture, identity_provider_fixture  # noqa: F401
from message_events import ACCOUNT, SLOT

from devices.services.events import upstream_event_record
from devices.services.processing import upstream_events_drain


@pytest.fixture
def device():
    return DeviceFactory(upstream_id=SLOT, jid=ACCOUNT)


@pytest.fixture
def ingest():
    """`ingest(*envelopes)`: record each as the webhook does, then drain; returns the rows."""

    def run(*envelopes):
        rows = [upstream_event_record(source="webhook", envelope=e)[0] for e in envelopes]
        upstream_events_drain()
        for row in rows:
            row.refresh_from_db()
        return rows

    return run
