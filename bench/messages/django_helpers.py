"""What the message list bench runs with Django set up, each in a helper process of its own
(`procs.call_helper("bench.messages.django_helpers:...", spec, django=True)`)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from bench.harness.sql_trace import WsgiClient, mean_ms, statements_sent

LIST_PATH = "/api/v1/messages"


def setup(spec: dict) -> dict:
    """`devices` devices, a user owning all of them (for the plan across a user's devices),
    and `keys` read-only API keys of the first device (the throttle counts per key: the load
    rotates over them so that it measures latency, not the rate limit)."""
    from accounts.models import User
    from devices.models import Device, DeviceMembership, Role
    from devices.services.api_keys import api_key_create

    devices = [
        Device.objects.create(
            name=f"bench messages {i}",
            upstream_id=f"bench-messages-{i}",
            jid=f"62811000000{i:02d}@s.whatsapp.net",
            state=Device.State.CONNECTED,
        )
        for i in range(spec["devices"])
    ]
    user = User.objects.create(username="bench-messages", email="bench@example.com")
    for device in devices:
        DeviceMembership.objects.create(user=user, device=device, role=Role.OWNER)
    keys = [
        api_key_create(device=devices[0], name=f"bench {i}", read_only=True)[1]
        for i in range(spec["keys"])
    ]
    return {"devices": [str(d.pk) for d in devices], "user": user.pk, "keys": keys}


def trace(spec: dict) -> dict[str, Any]:
    """For each case (name -> query string), requests through Django's WSGI handler with the
    first API key: every statement one sends (libpq trace; parameters are bound on the client,
    so the text is the whole query), the list query among them, the results, and the mean
    in-process time. Then `next_page`: the first case's `next` link, the same way."""
    client = WsgiClient()
    headers = {"HTTP_X_API_KEY": spec["keys"][0]}

    def one(query: str) -> dict[str, Any]:
        def call(_: int = 0) -> bytes:
            return client.request("GET", LIST_PATH, headers=headers, query=query)

        body = json.loads(call())  # warm
        statements = statements_sent(call)
        return {
            "query": query,
            "statements": statements,
            "list_sql": next(s for s in statements if 'FROM "messaging_message"' in s),
            "results": len(body.get("results", [])),
            "next": body.get("next"),
            "inproc_ms": mean_ms(call, spec["rounds"]),
        }

    out = {name: one(query) for name, query in spec["cases"].items()}
    if link := out[spec["first"]]["next"]:
        out["next_page"] = one(urlsplit(link).query)
    return out


def user_plans(spec: dict) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of the first page across every device of the user (the dashboard's
    list: `device__in` a subquery of the user's memberships), without and with `search=`."""
    from django.db import connection

    from accounts.models import User
    from devices.access import Actor
    from messaging.selectors import messages_for_actor

    actor = Actor(user=User.objects.get(pk=spec["user"]))
    plans = {}
    for name, filters in (("user, no filter", {}), ("user, search", {"search": spec["term"]})):
        sql, params = messages_for_actor(actor=actor, **filters)[:51].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()]
    return plans
