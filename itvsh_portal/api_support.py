"""Shared pieces of the REST API: pagination and the error format."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (up to 1,000); every list answers with `count`, `next`, `previous`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def exception_handler(exc, context):
    """DRF's handler, plus: a Django ValidationError raised by a service becomes a 400 with field messages,
    so a rule enforced in `services.py` answers the API client as clearly as a serializer error."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    return response
