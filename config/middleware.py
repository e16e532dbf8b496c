"""Refuse NUL bytes at the edge: Postgres cannot store or compare them, so a query
parameter carrying one would reach a filter and fail as a 500 instead of a 400."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from config.api_errors import error_body

MSG_NUL = "The address contains a NUL (0x00) character; remove it and try again."


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", MSG_NUL), status=400)
            return HttpResponseBadRequest(MSG_NUL)
        return self.get_response(request)
