"""REST endpoints of the federal app, registered on the project router in itvsh_portal/api.py."""

from django.urls import path

from . import views


def register(router):
    """No viewsets: the reconciliation is a computed list (its views below)."""


urlpatterns = [
    path("ozg/reconciliation/", views.ReconciliationView.as_view(), name="ozg-reconciliation"),
    path("ozg/reconciliation/adopt/", views.ReconciliationAdoptView.as_view(), name="ozg-reconciliation-adopt"),
    path("ozg/reconciliation/explain/", views.ReconciliationExplainView.as_view(), name="ozg-reconciliation-explain"),
    path("ozg/import/dashboard/", views.FederalImportView.as_view(), name="ozg-import-dashboard"),
]
