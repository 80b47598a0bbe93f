"""REST endpoints of this app, registered on the project router in itvsh_portal/api.py."""

from .views import AgreementViewSet, MeasureViewSet


def register(router):
    """Add this app's viewsets to the one API router."""
    router.register("cooperations/agreements", AgreementViewSet, basename="cooperations-agreement")
    router.register("cooperations/measures", MeasureViewSet, basename="cooperations-measure")
