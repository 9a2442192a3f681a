"""ASGI entry point: HTTP through Django, websockets behind an exact origin check and
session auth."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.DEBUG:
    # In production the reverse proxy serves static files; here Daphne does.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.middleware import WebsocketSessionMiddleware  # noqa: E402
from forum.routing import websocket_urlpatterns  # noqa: E402
from live.origin import SiteOriginMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginMiddleware(
            WebsocketSessionMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Served by Daphne, a websocket frame goes to its socket as it is written (see the module).
from live.immediate_writes import install  # noqa: E402

install()

# What is loaded by now lives as long as the process: keep it out of the
# garbage collector's full passes, which would otherwise walk it again and again.
gc.freeze()
