"""Every route the platform answers, read from the URL confs and the websocket router, so a
new route is attacked by the isolation suite the day it is added."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def http_routes(urlconf: str) -> list[str]:
    """'/'-prefixed route templates; an included URL conf (the admin site) is one route."""
    return ["/" + str(p.pattern) for p in get_resolver(urlconf).url_patterns
            if isinstance(p, URLResolver | URLPattern)]


def websocket_routes() -> list[str]:
    from config.ws_routing import websocket_urlpatterns

    return ["/" + str(p.pattern) for p in websocket_urlpatterns]


def fill(route: str, ints: int, strings: dict[str, str]) -> str:
    """The route with every <int:…> set to `ints` and every <str:name> from `strings`."""
    def one(m: re.Match) -> str:
        kind, name = m.group(1) or "str", m.group(2)
        return str(ints) if kind == "int" else strings.get(name, "x")
    return PARAM.sub(one, route)


def is_api(route: str) -> bool:
    return route.startswith("/api/")


def is_carrier_hook(route: str) -> bool:
    return route.startswith("/telephony/voice/")
