"""Domain errors: raised by services with a message a user can act on."""


class DomainError(Exception):
    """A business rule refused the operation; the API answers 400 with the message."""

    status_code = 400


class NotPermitted(DomainError):
    """The caller may not do this (for example, a key of another source)."""

    status_code = 403
