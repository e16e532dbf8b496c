"""Small helpers every API module shares."""

from __future__ import annotations


def validated(serializer_cls, request) -> dict:
    """The request body checked by `serializer_cls` (a 400 with per-field messages otherwise)."""
    data = serializer_cls(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")
