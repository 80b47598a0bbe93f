"""REST endpoints of this app, registered on the project router in itvsh_portal/api.py."""

from django.urls import path

from . import views


def register(router):
    """Add this app's viewsets to the one API router."""
    router.register("ozg/themenfelder", views.ThemenfeldViewSet, basename="ozg-themenfeld")
    router.register("ozg/lebenslagen", views.LebenslageViewSet, basename="ozg-lebenslage")
    router.register("ozg/leistungen", views.LeistungViewSet, basename="ozg-leistung")
    router.register("ozg/leika", views.LeikaViewSet, basename="ozg-leika")
    router.register("ozg/status", views.StatusViewSet, basename="ozg-status")
    router.register("ozg/history", views.EventViewSet, basename="ozg-history")
    router.register("ozg/coverage", views.CoverageViewSet, basename="ozg-coverage")


urlpatterns = [
    path("ozg/gemeinden/<str:ars>/leistungen/", views.GemeindeLeistungenView.as_view(), name="ozg-gemeinde-leistungen"),
    path("ozg/export/dashboard/", views.FederalExportView.as_view(), name="ozg-export-dashboard"),
]
