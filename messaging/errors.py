"""API-facing errors of the messaging app (stable codes; see core.exceptions)."""

from core.exceptions import NotFoundError


class MessageNotFoundError(NotFoundError):
    """The message does not exist or the caller cannot see its device (not told apart)."""

    default_message = "No such message."
