"""1M messages seeded into the bench database in SQL, server-side (`generate_series`): no row
travels from Python. Contacts first (`contacts` people over the devices, in turn), then
messages in chunks, spread evenly over `days` days back from now:

- message g belongs to contact (g * 7) mod contacts, on that contact's device;
- one in ten in one of 40 group chats (the contact its participant), the rest 1:1;
- a third outbound (sent / delivered / read / read), the rest inbound `received`;
- one in eight an image with media metadata, the rest text from a small vocabulary; one in a
  thousand says "refund" (what the `search=` case looks for);
- one in fifty ignored (an ignore rule flagged it: left out of the default lists).

Foreign keys are not checked while seeding (`session_replication_role = replica`; the rows
point at the devices and contacts made just before), the indexes are kept up as production
keeps them; then VACUUM ANALYZE, as autovacuum would leave a table that size.
"""

from __future__ import annotations

import time
from typing import Any

WORDS = (
    "hello", "thanks", "order", "tomorrow", "delivery", "price", "please", "meeting",
    "photo", "address", "payment", "today", "confirm", "schedule", "ok", "later",
)  # fmt: skip
SEARCH_TERM = "refund"
CHUNK = 100_000

_CONTACTS = """
INSERT INTO contacts_contact (id, created_at, updated_at, device_id, jid, phone, lid, push_name,
    name, description, is_blocked, last_message_at)
SELECT gen_random_uuid(), now(), now(), (%(devices)s::uuid[])[1 + n %% %(ndev)s],
    '62812' || lpad(n::text, 7, '0') || '@s.whatsapp.net', '62812' || lpad(n::text, 7, '0'),
    '', 'Person ' || n, '', '', false, now()
FROM generate_series(0, %(contacts)s - 1) AS n
"""

_MESSAGES = """
INSERT INTO messaging_message (id, created_at, updated_at, device_id, chat_jid, sender_jid,
    contact_id, direction, kind, text, media, location, shared_contacts, replied_to_id,
    quoted_text, reactions, upstream_id, status, error_code, error_detail, attempts, origin,
    origin_ref, idempotency_key, is_ignored, timestamp, sent_at)
SELECT gen_random_uuid(), s.ts, s.ts, c.device_id,
    CASE WHEN s.g %% 10 = 0 THEN '1203630' || lpad((s.g %% 40)::text, 11, '0') || '@g.us'
         ELSE c.jid END,
    CASE WHEN s.g %% 10 = 0 THEN c.jid ELSE '' END,
    c.id,
    CASE WHEN s.g %% 3 = 0 THEN 'outbound' ELSE 'inbound' END,
    CASE WHEN s.g %% 8 = 0 THEN 'image' ELSE 'text' END,
    'message ' || s.g || ': ' || (%(words)s::text[])[1 + s.g %% 16] || ' '
        || (%(words)s::text[])[1 + (s.g / 16) %% 16] || ' '
        || (%(words)s::text[])[1 + (s.g / 256) %% 16]
        || CASE WHEN s.g %% 1000 = 0 THEN ' ' || %(term)s || ' please' ELSE '' END,
    CASE WHEN s.g %% 8 = 0 THEN jsonb_build_object('kind', 'image', 'path',
        'statics/media/' || s.g || '.jpg', 'mime_type', 'image/jpeg') ELSE '{}'::jsonb END,
    NULL, '[]'::jsonb, '', '', '{}'::jsonb, 'BENCH' || lpad(to_hex(s.g), 12, '0'),
    CASE WHEN s.g %% 3 = 0 THEN (ARRAY['sent', 'delivered', 'read', 'read'])[1 + s.g %% 4]
         ELSE 'received' END,
    '', '', 0, CASE WHEN s.g %% 3 = 0 THEN 'api' ELSE 'inbound' END, '', '',
    s.g %% 50 = 7, s.ts, CASE WHEN s.g %% 3 = 0 THEN s.ts END
FROM (SELECT g, now() - g * (%(days)s * interval '1 day' / %(count)s) AS ts
      FROM generate_series(%(first)s, %(last)s) AS g) AS s
JOIN bench_seed_contacts AS c ON c.n = (s.g * 7) %% %(contacts)s
"""


def seed(conn: Any, *, devices: list[str], contacts: int, count: int, days: int, say) -> dict:
    started = time.perf_counter()
    conn.execute("SET session_replication_role = replica")
    base = {"devices": devices, "ndev": len(devices), "contacts": contacts}
    conn.execute(_CONTACTS, base)
    conn.execute(
        "CREATE TABLE bench_seed_contacts AS SELECT substr(phone, 6)::int AS n, id, device_id, "
        "jid FROM contacts_contact"
    )
    conn.execute("CREATE UNIQUE INDEX ON bench_seed_contacts (n)")
    params = {**base, "words": list(WORDS), "term": SEARCH_TERM, "days": days, "count": count}
    for first in range(1, count + 1, CHUNK):
        last = min(first + CHUNK - 1, count)
        conn.execute(_MESSAGES, {**params, "first": first, "last": last})
        say(f"  {last} messages ({time.perf_counter() - started:.0f} s)")
    conn.execute("DROP TABLE bench_seed_contacts")
    conn.execute("SET session_replication_role = DEFAULT")
    inserted = time.perf_counter() - started
    conn.execute("VACUUM ANALYZE messaging_message")
    conn.execute("VACUUM ANALYZE contacts_contact")
    return {
        "messages": conn.execute("SELECT count(*) FROM messaging_message").fetchone()[0],
        "insert_seconds": inserted,
        "seconds": time.perf_counter() - started,
    }
