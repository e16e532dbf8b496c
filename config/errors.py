"""Service-layer errors: a stable code, a message a person can act on, per-field details."""

from __future__ import annotations


class ServiceError(Exception):
    """Raised by services for a request a person can fix; carries a stable code."""

    status_code = 400

    def __init__(
        self, code: str, message: str, fields: dict[str, list[str]] | None = None, status_code: int | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status_code:
            self.status_code = status_code


def field_error(field: str, msg: str, code: str = "invalid", status: int = 400) -> ServiceError:
    """The error for one bad field: '<field>: <msg>', with the message under that field."""
    return ServiceError(code, f"{field}: {msg}", {field: [msg]}, status_code=status)
