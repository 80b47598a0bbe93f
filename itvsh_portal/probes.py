"""Answers the platform's probes and the metrics scrape before the rest of the middleware stack.

Kubernetes and Compose probe a container by its own address (`Host: 10.1.2.3:8000`), and Prometheus scrapes it
the same way; that host is never in ALLOWED_HOSTS, so the normal path (CommonMiddleware) would answer 400. This
middleware sits before every middleware that validates the host, reads the session or the user, and serves
exactly these paths with their views; nothing else changes. Security headers are still added on the way out.
"""

from . import metrics, views

PROBES = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": metrics.metrics_view,
}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = PROBES.get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        # Set by XFrameOptionsMiddleware for every other answer, which this one skips.
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
