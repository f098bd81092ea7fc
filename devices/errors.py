"""API-facing errors of the devices app (stable codes; see core.exceptions)."""

from core.exceptions import ApplicationError, ConflictError, ServiceUnavailableError


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
