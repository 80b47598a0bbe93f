"""The base of every API viewset: `PortalViewSet`, and `ReadOnlyPortalViewSet` for list and detail."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, viewsets
from rest_framework.settings import api_settings

from common.api import LOOKUP_ANY_SEGMENT, StrictOrderingFilter


class PortalViewSet(viewsets.GenericViewSet):
    """The base of every API viewset (a test walks the router and fails otherwise). It fixes what every endpoint
    shares, so that a viewset declares only its data and its writes:

    - the lookup pattern `LOOKUP_ANY_SEGMENT` (a malformed key gets the API's JSON 404 or 400, never HTML);
    - the filters: the viewset's `filterset_class` (django-filter) and strict ordering (`StrictOrderingFilter`:
      an unknown `ordering` value is a 400 with a German message);
    - the permission policy of the REST_FRAMEWORK setting (`itvsh_portal.permissions.PortalPolicy`: public reads,
      writes by the rule the viewset names per action in `write_rules`). Read here from the setting, since `common`
      imports no app; a viewset may extend it (`[*PortalPolicy.default(), Extra]`), never replace it.

    The actions come from DRF's mixins (`ReadOnlyPortalViewSet` for the usual list and detail)."""

    lookup_value_regex = LOOKUP_ANY_SEGMENT
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES
    #: {action name: common.authorization.Rule}; a write action without an entry is refused (PortalPolicy).
    write_rules: dict = {}


class ReadOnlyPortalViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, PortalViewSet):
    """List and detail."""
