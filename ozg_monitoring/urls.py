from django.urls import path

from common.page_cache import cached_page

from . import views
from .selectors import READS

app_name = "ozg_monitoring"
cached = cached_page(READS)  # whole page for anonymous GETs, replaced with every committed write to what READS watches

urlpatterns = [
    path("", cached(views.DashboardView.as_view()), name="dashboard"),
    path("online-erledigen/", cached(views.LookupView.as_view()), name="lookup"),
    path("online-erledigen/<str:ars>/", cached(views.LookupGemeindeView.as_view()), name="lookup_gemeinde"),
    path("leistungen/", views.LeistungListView.as_view(), name="leistung_list"),
    path("leistungen/<int:ozg_id>/", cached(views.LeistungDetailView.as_view()), name="leistung_detail"),
    path("umsetzungsstaende/", views.StatusListView.as_view(), name="status_list"),
    path("verwaltungen/", cached(views.VerwaltungListView.as_view()), name="verwaltung_list"),
    path("verwaltungen/<str:ars>/", cached(views.VerwaltungDetailView.as_view()), name="verwaltung_detail"),
]
