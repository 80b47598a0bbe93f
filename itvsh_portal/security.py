"""The project's middlewares: security headers that Django's SecurityMiddleware does not set
(Content-Security-Policy and Permissions-Policy, on every response: public pages, admin, API, API docs, downloads,
error pages), the request size limit, and the check of path and query string for control characters.

The policy allows nothing from another origin and no inline code or styles: every script, style sheet, font
and image comes from our own origin; images may also be `data:` URIs (KERN UX icons, the QR code of the
second-factor set-up). Pages that need more do not exist; a page that breaks under this policy is a bug in
the page. The policy is the setting `CONTENT_SECURITY_POLICY` (a dict of directive → sources).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def build_policy(directives: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], "upgrade-insecure-requests": []}`
    → `default-src 'self'; upgrade-insecure-requests`."""
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def permissions_policy() -> str:
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items())


def security_headers() -> dict[str, str]:
    """Every security header the portal sends, from the settings: what Django's SecurityMiddleware and
    XFrameOptionsMiddleware set, plus Content-Security-Policy and Permissions-Policy."""
    headers = {
        "Content-Security-Policy": build_policy(settings.CONTENT_SECURITY_POLICY),
        "Permissions-Policy": permissions_policy(),
        "X-Frame-Options": settings.X_FRAME_OPTIONS,
    }
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    return headers


def static_headers(headers, path, url) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: the security headers on every static file as WhiteNoise stores them, so
    that they are there however the file is served (WhiteNoise answers before the clickjacking middleware)."""
    for name, value in security_headers().items():
        headers[name] = value
    # A hashed name never changes its content: one year, immutable (WhiteNoise's own answer is ten years).
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = f"max-age={settings.STATIC_IMMUTABLE_MAX_AGE}, public, immutable"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy, Permissions-Policy and X-Frame-Options unless a view has set its own (or,
    for X-Frame-Options, is exempt): also on answers given before the inner middleware ran (static files,
    413)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = build_policy(settings.CONTENT_SECURITY_POLICY)
        self.permissions_policy = permissions_policy()
        self.frame_options = settings.X_FRAME_OPTIONS

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", self.frame_options)
        return response


def wants_json(request) -> bool:
    """Answers under /api/ are JSON, errors included: the API's clients parse every answer."""
    return request.path.startswith("/api/")


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than REQUEST_MAX_BYTES with 413 before anything reads it. Django limits
    form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files; each upload has its own, smaller limit
    and type check on top of this (e.g. source PDFs, COOPERATIONS_SOURCE_MAX_BYTES)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.REQUEST_MAX_BYTES

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            from common.messages import message as catalogue_message

            message = catalogue_message("request_too_large", size=length, limit=self.limit)
            if wants_json(request):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address as the login lockout (axes) counts it: the same rule as the API throttles (DRF's
    `get_ident` with the REST_FRAMEWORK setting NUM_PROXIES), so both always agree. Without trusted proxies
    that is REMOTE_ADDR, since a client can write any X-Forwarded-For."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request)


class InputCheckMiddleware:
    """Refuses a request whose path or query string holds a control character (NUL, C0, DEL, C1): 400 naming the
    query parameter (or the path), as JSON under /api/ and as the German error page elsewhere, before any view or
    database sees the value. Also the last line for database errors a value of a page request caused (a number
    or text the column cannot hold): 400 instead of 500 (the API's exception handler does the same for the API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from common.params import check_text

        problem = None
        try:
            check_text(request.path_info)
        except ValidationError as error:
            problem = (_("Pfad"), error.messages[0])
        if problem is None:
            for name, values in request.GET.lists():
                for text in (name, *values):
                    try:
                        check_text(text)
                    except ValidationError as error:
                        problem = (name.encode("ascii", "backslashreplace").decode(), error.messages[0])
                        break
                if problem:
                    break
        if problem is not None:
            return bad_request_response(request, problem[0], problem[1])
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError

        from common.params import ParameterError

        if isinstance(exception, ParameterError):
            return bad_request_response(request, exception.name, exception.text)
        if isinstance(exception, DataError):
            from common.messages import message

            logger.warning("Datenbankfehler durch die Eingabe: %s %s", request.method, request.path[:200])
            return bad_request_response(request, None, message("database_value"))
        return None


def bad_request_response(request, name, text):
    """400 for a bad parameter `name` (None: the request as a whole): `{name: [text]}` (or `{"detail": text}`)
    under /api/, else the German error page with the message."""
    from django.template import loader

    if wants_json(request):
        return JsonResponse({name: [text]} if name else {"detail": text}, status=400)
    body = loader.render_to_string("400.html", {"message": f"{name}: {text}" if name else text})
    return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
