"""Where later apps plug into ingest: a processor per upstream event type.

Devices records raw events and never imports the apps that give them meaning (PRODUCT.md §3).
Those apps register a processor in their `AppConfig.ready()`:

    from devices.processing import event_processor_register
    event_processor_register("message", messages_from_events)

The drain (`devices.services.processing`) claims recorded events in batches, parses each with
the upstream client's parser for its type (`devices.whatsapp.events`), and calls the
processor once per batch of one type, inside the transaction that marks the batch processed.

A processor's contract:
- it receives `ProcessingItem`s (typed values, never raw dicts), all of one event type, in the
  order they were recorded;
- it is idempotent: a replay of the same events changes nothing more;
- it returns `{event_id: reason}` for the items it could not process (those are marked failed
  with the reason, the rest processed); raising fails the batch, which the drain then retries
  one event at a time so that only the failing events are marked failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ProcessingItem:
    """One recorded event, parsed: `value` is the event family's dataclass."""

    event_id: int
    device_id: uuid.UUID
    event: str
    value: Any
    received_at: datetime


EventProcessor = Callable[[Sequence[ProcessingItem]], Mapping[int, str]]

_processors: dict[str, EventProcessor] = {}


def event_processor_register(event: str, processor: EventProcessor) -> None:
    """Make `processor` the one for `event` (an app registers each type once, in ready())."""
    existing = _processors.get(event)
    if existing is not None and existing is not processor:
        raise ValueError("event type " + event + " already has a processor")
    _processors[event] = processor


def event_processor_for(event: str) -> EventProcessor | None:
    return _processors.get(event)
