from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("abbestellen/<str:token>/", views.optout_view, name="optout"),
]
