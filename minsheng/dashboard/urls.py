from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.page, name="page"),
    path("dashboard/data.json", views.data, name="data"),
    path("dashboard/report", views.report, name="report"),
]
