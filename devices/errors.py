"""API-facing errors of the devices app (stable codes; see core.exceptions).

Every ApplicationError that devices raises lives here, so a client's `code`s can be read in one
place. The upstream client's own exceptions are another family (`devices.whatsapp.errors`,
`WhatsApp…Error`); `devices.upstream.upstream_errors()` is the one place that turns them into
the errors below.
"""

from core.exceptions import ApplicationError, ConflictError, NotFoundError, ServiceUnavailableError

# --- access ---------------------------------------------------------------------------------


class DeviceNotFoundError(NotFoundError):
    """The device does not exist or the caller cannot see it (the two are not told apart)."""


class RoleTooLowError(ApplicationError):
    code = "permission_denied"
    status_code = 403
    default_message = "Your role on this device does not allow this action."


class ApiKeyNotAllowedError(ApplicationError):
    code = "permission_denied"
    status_code = 403
    default_message = "This action needs a signed-in user; API keys cannot perform it."


# --- members and API keys -------------------------------------------------------------------


class MemberNotFoundError(NotFoundError):
    pass


class InvitationNotFoundError(NotFoundError):
    pass


class ApiKeyNotFoundError(NotFoundError):
    pass


class LastOwnerError(ConflictError):
    code = "last_owner"
    default_message = "A device must keep at least one owner."


class AlreadyMemberError(ConflictError):
    code = "already_member"
    default_message = "This user is already a member of the device."


class InvalidApiKeyError(ApplicationError):
    code = "invalid_api_key"
    status_code = 400
    default_message = "The API key is not valid."


# --- sending and webhooks -------------------------------------------------------------------


class InvalidRecipientError(ApplicationError):
    code = "invalid_recipient"
    status_code = 400
    default_message = "The recipient is not a phone number in international format or a JID."


class WebhookSignatureError(ApplicationError):
    code = "invalid_signature"
    status_code = 401
    default_message = "The webhook signature is missing or does not match."


class WebhookPayloadError(ApplicationError):
    code = "malformed_event"
    status_code = 400
    default_message = "The webhook body is not an upstream event."


# --- the upstream, as the API reports it ----------------------------------------------------


class UpstreamUnavailableError(ServiceUnavailableError):
    code = "upstream_unavailable"
    default_message = "The WhatsApp server is unavailable; try again shortly."


class UpstreamOutcomeUnknownError(ApplicationError):
    code = "upstream_timeout"
    status_code = 504
    default_message = "The WhatsApp server did not answer in time; the outcome is unknown."


class UpstreamRejectedError(ApplicationError):
    """The upstream refused in a way the platform did not expect (its code is passed on)."""

    code = "upstream_rejected"
    status_code = 502
    default_message = "The WhatsApp server rejected the request."


class DeviceAlreadyLoggedInError(ConflictError):
    code = "device_already_logged_in"
    default_message = "The device is already logged in."


class DeviceSlotExistsError(ConflictError):
    code = "device_slot_exists"
    default_message = "The WhatsApp server already has a slot with this id."


class DeviceNotLoggedInError(ConflictError):
    code = "device_not_logged_in"
    default_message = "The device is not logged in to WhatsApp."


class DeviceQuotaExceededError(ConflictError):
    code = "device_quota_exceeded"
    default_message = "You own as many devices as one user may; delete one to create another."
