from django.urls import path

from . import views

app_name = "ozg_monitoring"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("online-erledigen/", views.LookupView.as_view(), name="lookup"),
    path("online-erledigen/<str:ars>/", views.LookupGemeindeView.as_view(), name="lookup_gemeinde"),
    path("leistungen/", views.LeistungListView.as_view(), name="leistung_list"),
    path("leistungen/<int:ozg_id>/", views.LeistungDetailView.as_view(), name="leistung_detail"),
    path("umsetzungsstaende/", views.StatusListView.as_view(), name="status_list"),
    path("verwaltungen/<str:ars>/", views.VerwaltungDetailView.as_view(), name="verwaltung_detail"),
]
