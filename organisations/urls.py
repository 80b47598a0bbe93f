from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.search, name="search"),
    path("<str:key>/", views.detail, name="detail"),
]
