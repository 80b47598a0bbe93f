"""REST endpoints of the federal app, registered on the project router in itvsh_portal/api.py: our mirror of the
federal Dashboard Digitale Verwaltung's API under `bund/` (the spec's paths `/v1/data`, `/v1/data/{ars}`, `/v1/ars`
below it; federal/api/views.py), and the reconciliation with its writes and the federal file import under `ozg/`
(federal/api/reconciliation_views.py)."""

from django.urls import path

from . import reconciliation_views
from .views import FederalArsView, FederalDataByArsView, FederalDataView


def register(router):
    """No viewsets: the federal format's endpoints and the reconciliation are plain views (`urlpatterns`)."""


urlpatterns = [
    path("bund/v1/data/", FederalDataView.as_view(), name="bund-data"),
    path("bund/v1/data/<str:ars>/", FederalDataByArsView.as_view(), name="bund-data-ars"),
    path("bund/v1/ars/", FederalArsView.as_view(), name="bund-ars"),
    path("ozg/reconciliation/", reconciliation_views.ReconciliationView.as_view(), name="ozg-reconciliation"),
    path(
        "ozg/reconciliation/adopt/",
        reconciliation_views.ReconciliationAdoptView.as_view(),
        name="ozg-reconciliation-adopt",
    ),
    path(
        "ozg/reconciliation/explain/",
        reconciliation_views.ReconciliationExplainView.as_view(),
        name="ozg-reconciliation-explain",
    ),
    path("ozg/import/dashboard/", reconciliation_views.FederalImportView.as_view(), name="ozg-import-dashboard"),
]
