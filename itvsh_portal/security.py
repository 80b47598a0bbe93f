"""Security headers that Django's SecurityMiddleware does not set: Content-Security-Policy and
Permissions-Policy, on every response (public pages, admin, API, API docs, downloads, error pages).

The policy allows nothing from another origin and no inline code or styles: every script, style sheet, font
and image comes from our own origin; images may also be `data:` URIs (KERN UX icons, the QR code of the
second-factor set-up). Pages that need more do not exist; a page that breaks under this policy is a bug in
the page. The policy is the setting `CONTENT_SECURITY_POLICY` (a dict of directive → sources).
"""

from django.conf import settings


def build_policy(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], "upgrade-insecure-requests": []}`
    → `default-src 'self'; upgrade-insecure-requests`."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy unless a view has set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = build_policy(settings.CONTENT_SECURITY_POLICY)
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
