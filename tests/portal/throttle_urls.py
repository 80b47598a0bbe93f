"""The portal's URLs plus a DRF view that touches no database, for the throttle tests under parallel load."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from itvsh_portal.urls import urlpatterns as portal_urlpatterns


class Ping(APIView):
    """Reads nothing: what a request costs here is the throttles (and, with a token, its lookup)."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("api/v1/ping/", Ping.as_view()), *portal_urlpatterns]
