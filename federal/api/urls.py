"""REST endpoints of the federal app, registered on the project router in itvsh_portal/api.py: our mirror of the
federal Dashboard Digitale Verwaltung's API under `bund/` (the spec's paths `/v1/data`, `/v1/data/{ars}`,
`/v1/ars` below it)."""

from django.urls import path

from .views import FederalArsView, FederalDataByArsView, FederalDataView


def register(router):
    """No viewsets: the federal format's endpoints are plain views (`urlpatterns`)."""


urlpatterns = [
    path("bund/v1/data/", FederalDataView.as_view(), name="bund-data"),
    path("bund/v1/data/<str:ars>/", FederalDataByArsView.as_view(), name="bund-data-ars"),
    path("bund/v1/ars/", FederalArsView.as_view(), name="bund-ars"),
]
