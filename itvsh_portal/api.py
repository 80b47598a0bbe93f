"""The one REST API router under /api/v1/. Each domain app contributes through `<app>.api.urls`:
a `register(router)` function for its viewsets and, optionally, `urlpatterns` for other endpoints."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

API_MODULES = ["organisations.api.urls", "cooperations.api.urls", "ozg_monitoring.api.urls", "funding.api.urls"]

router = DefaultRouter()
extra_patterns = []
for module_name in API_MODULES:
    module = import_module(module_name)
    module.register(router)
    extra_patterns += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *extra_patterns,
    path("", include(router.urls)),
]
