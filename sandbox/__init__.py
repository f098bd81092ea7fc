"""A stand-in for the upstream WhatsApp API server (GOWA), for development and tests.

It speaks the contract in `docs/upstream/CONTRACT.md`: Basic-auth REST (`/devices…`, `/app/…`,
`/send/…`, `/message/{id}/…`, `/user/check|info`), the `/ws` lifecycle socket, and HMAC-signed
webhooks with GOWA's envelope. State is in memory. A control API under `/_sandbox` (no auth)
plays the phone side (scan a QR, unlink, and emit every inbound event GOWA sends: messages of
each shape, receipts, reactions, edits, revokes, deletes, group, presence and call events,
or a raw signed body) and injects faults. The event routes, with example bodies, are in
`sandbox/README.md`; the others in `control.py`. It imports nothing from Django;
`manage.py run_whatsapp_sandbox` is a thin wrapper.

    POST /_sandbox/devices/{id}/messages            {"from": "628…", "kind"?, "text"?, …}
    POST /_sandbox/devices/{id}/receipts            {"message_ids": [...], "receipt_type"?}
    POST /_sandbox/devices/{id}/reactions|edits|revokes|deletes   {"message_id", …}
    POST /_sandbox/devices/{id}/group-participants|presence|calls {…}
    POST /_sandbox/devices/{id}/events              {"event", "payload"}
    POST /_sandbox/webhooks/raw                     {"body"|"text"|"base64", "device"?, …}

    from sandbox import SandboxServer
    with SandboxServer(webhook_url="http://127.0.0.1:8000/api/v1/webhooks/whatsapp") as s:
        ...  # s.base_url

GOWA quirks reproduced on purpose (clients must cope with them; see CONTRACT.md):
- "device X not found" on `GET|DELETE /devices/{id}`, `/status`, `/logout`, `/reconnect` is a
  500 INTERNAL_SERVER_ERROR; only `/devices/{id}/webhook` answers 404 NOT_FOUND.
- `GET /devices/{id}/login` and `POST /devices/{id}/login/code` create an unknown slot.
- `GET /devices` with no devices answers `"results": null`.
- Sends on a slot without a client → 500 INVALID_WA_CLI; during an open login → 401
  AUTHENTICATION_ERROR "you are not logged in"; paired but offline → 401 "…please reconnect".
- While a QR login is open the DeviceInfo `state` is "connected" (the client is connected to
  WhatsApp, waiting for the scan) but `/devices/{id}/status` says false/false.
- JSON values of the wrong type (location coordinates as numbers) → 500, not 400.
- Basic-auth failures and unknown routes answer plain text, not JSON.

Deliberate deviations from `gowa-openapi.yaml` (all documented in CONTRACT.md):
- No numeric `status` field in any body; `results` is omitted when Go leaves it nil.
- `/app/logout` and `/app/reconnect` return `results: {"device_id": ...}` where the OpenAPI
  `GenericResponse` declares `results` a string.
- `/user/info` returns the code's shape `{"data": [{name, verified_name, status, picture_id,
  devices}]}` instead of the OpenAPI's flat `results`.
- `GET /devices` with no devices returns `results: null` (the OpenAPI says an array).
- Unknown device ids on `/devices/{id}…` are 500, where the OpenAPI lists 404.
- Webhook bodies are encoded like Go's encoding/json (sorted keys, compact, UTF-8, `<>&`
  escaped as `\\u003c…`), so non-ASCII text is raw UTF-8, not `\\uXXXX` escapes.

Simplifications (the sandbox is not WhatsApp):
- Nothing is sent anywhere; media URLs are not fetched; any all-digit number "is on WhatsApp".
- Media in incoming events is a placeholder file served under `/statics/media/`, or with
  auto-download off a WhatsApp-shaped CDN URL with nothing behind it.
- Only the routes listed above exist; groups, chats, newsletters, passkeys and the other GOWA
  routes answer fiber's plain-text 404.
"""

from .config import SandboxConfig
from .server import SandboxServer, build_app

__all__ = ["SandboxConfig", "SandboxServer", "build_app"]
