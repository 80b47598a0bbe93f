"""The one REST API router under /api/v1/. Each app of the portal contributes through its module `<app>.api.urls`,
found among the installed apps (in the order of INSTALLED_APPS), not listed by hand: a `register(router)` function
for its viewsets and, optionally, `urlpatterns` for other endpoints."""

from importlib import import_module

from django.apps import apps
from django.urls import include, path
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter


def api_modules() -> list:
    """The `api.urls` module of every installed app that has one with a `register(router)` function."""
    found = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "api"):
            continue
        package = import_module(f"{config.name}.api")
        if not module_has_submodule(package, "urls"):
            continue
        module = import_module(f"{config.name}.api.urls")
        if callable(getattr(module, "register", None)):
            found.append(module)
    return found


router = DefaultRouter()
extra_patterns = []
for module in api_modules():
    module.register(router)
    extra_patterns += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *extra_patterns,
    path("", include(router.urls)),
]
