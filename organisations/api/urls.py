"""REST endpoints of this app, registered on the project router in itvsh_portal/api.py."""

from .views import OrganisationViewSet


def register(router):
    """Add this app's viewsets to the one API router."""
    router.register("organisations", OrganisationViewSet, basename="organisation")
