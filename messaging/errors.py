"""API-facing errors of the messaging app (stable codes; see core.exceptions)."""

from core.exceptions import ApplicationError, ConflictError, NotFoundError


class MessageNotFoundError(NotFoundError):
    """The message does not exist or the caller cannot see its device (not told apart)."""

    default_message = "No such message."


class ContactBlockedError(ConflictError):
    code = "contact_blocked"
    default_message = "The contact is blocked; unblock it to send."


class IdempotencyKeyReusedError(ApplicationError):
    code = "idempotency_key_reused"
    status_code = 422
    default_message = "This Idempotency-Key was used with another request."


class MessageNotRetryableError(ConflictError):
    code = "message_not_retryable"
    default_message = "Only a failed message, or one whose outcome is unknown, can be retried."


class MessageNotCancelableError(ConflictError):
    code = "message_not_cancelable"
    default_message = "Only a message still queued can be canceled."


class ContactNotFoundError(NotFoundError):
    """No such contact on the device (or the caller cannot see it)."""


class IdempotencyKeyInvalidError(ApplicationError):
    code = "invalid_idempotency_key"
    status_code = 400
    default_message = "The Idempotency-Key header must be at most 200 characters."
