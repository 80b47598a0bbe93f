"""Puts the request into the audit context, so that writes made while it is handled name its user and door."""

from .context import request_context


class AuditContextMiddleware:
    """Belongs after AuthenticationMiddleware. The door (admin, API with session or token, web page) is resolved
    when something is written, not here: DRF authenticates a token only inside the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)
