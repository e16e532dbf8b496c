"""ASGI entry: HTTP through Django (django-tenants resolves the tenant by host) and
websockets through the tenant-resolving middleware."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from config.ws_routing import websocket_urlpatterns  # noqa: E402
from tenants.ws import TenantWebsocketMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(TenantWebsocketMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
