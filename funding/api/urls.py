"""REST endpoints of this app, registered on the project router in itvsh_portal/api.py."""

from django.urls import path

from . import views

urlpatterns = [path("funding/summary/", views.SummaryView.as_view(), name="funding-summary")]


def register(router):
    """Add this app's viewsets to the one API router."""
    router.register("funding/lines", views.BudgetLineViewSet, basename="funding-line")
    router.register("funding/drawdowns", views.DrawdownViewSet, basename="funding-drawdown")
    router.register("funding/in-kind", views.InKindViewSet, basename="funding-in-kind")
