from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("finanzierung.csv", views.overview_csv, name="overview_csv"),
    path("berichte/<int:year>.csv", views.yearly_report_csv, name="yearly_report"),
]
