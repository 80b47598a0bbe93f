from django.urls import path

from . import views

app_name = "cooperations"

urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("zeitleiste/", views.agreement_timeline, name="timeline"),
    path("quellen/<int:pk>/datei/", views.source_file, name="source_file"),
    path("<slug:slug>/", views.agreement_detail, name="detail"),
]
