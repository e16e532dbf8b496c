"""Refuse NUL characters at the edge: Postgres can neither store nor compare them, so one in a
query parameter or a body field would reach the database and fail as a 500 instead of a 400."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from config.api_errors import error_body

MSG_NUL = "The request contains a NUL (0x00) character; remove it and try again."
# \u0000 inside a JSON string, not an escaped backslash followed by the text "u0000"
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        return b"%00" in request.body or b"\x00" in request.body
    if content_type.endswith("json"):
        return bool(JSON_NUL.search(request.body))
    return False  # multipart: file contents may hold any byte; fields go through form validation


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", MSG_NUL), status=400)
            return HttpResponseBadRequest(MSG_NUL)
        return self.get_response(request)
