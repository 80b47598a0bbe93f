from django.contrib import admin
from django.urls import include, path

from . import metrics, views

legal = views.LegalPageView.as_view

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Answered by itvsh_portal.probes.ProbeMiddleware before the host check; listed here for reverse().
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("impressum/", legal(template_name="legal/impressum.html"), name="impressum"),
    path("datenschutz/", legal(template_name="legal/datenschutz.html"), name="datenschutz"),
    path("barrierefreiheit/", views.AccessibilityStatementView.as_view(), name="barrierefreiheit"),
    path("leichte-sprache/", legal(template_name="legal/leichte_sprache.html"), name="leichte_sprache"),
    path("kommunen/", include("organisations.urls")),
    path("kooperationen/", include("cooperations.urls")),
    path("ozg/", include("ozg_monitoring.urls")),
    path("finanzierung/", include("funding.urls")),
    path("opendata/", include("opendata.urls")),
    path("benachrichtigungen/", include("accounts.urls")),
    path("api/v1/", include(("itvsh_portal.api", "api"), namespace="api")),
    path("admin/", admin.site.urls),
]

handler400 = "itvsh_portal.views.bad_request"
handler403 = "itvsh_portal.views.permission_denied"
handler404 = "itvsh_portal.views.page_not_found"
handler500 = "itvsh_portal.views.server_error"
