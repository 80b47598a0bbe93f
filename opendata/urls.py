from django.urls import path, re_path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^catalog\.(?P<fmt>ttl|jsonld)$", views.catalog, name="catalog"),
    re_path(r"^ozg-status/latest\.(?P<fmt>csv|json)$", views.snapshot_latest, name="snapshot_latest"),
    re_path(r"^ozg-status/(?P<day>\d{4}-\d{2}-01)\.(?P<fmt>csv|json)$", views.snapshot, name="snapshot"),
    re_path(r"^(?P<slug>[a-z][a-z-]*)\.(?P<fmt>csv|json)$", views.download, name="download"),
    path("<slug:slug>/", views.dataset, name="dataset"),
]
