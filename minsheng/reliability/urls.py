"""A resident's own data (/me/) and the staff review of deletion requests (/desk/privacy/)."""

from django.urls import path

from . import views

app_name = "reliability"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/correct", views.correct, name="correct"),
    path("me/export.json", views.export, name="export"),
    path("me/delete", views.delete_request, name="delete"),
    path("desk/privacy/", views.privacy_requests, name="privacy"),
    path("desk/privacy/<int:req_id>/decide", views.privacy_decide, name="privacy_decide"),
]
