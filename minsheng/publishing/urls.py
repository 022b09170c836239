from django.urls import path, re_path

from . import open311, views

app_name = "publishing"

F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("open311/v2/", views.open311_root, name="open311_root"),
    re_path(r"^open311/v2/discovery" + F, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + F, open311.services, name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]+)" + F, open311.service_definition, name="open311_service"),
    re_path(r"^open311/v2/requests" + F, open311.requests_view, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<code>[\w-]+)" + F, open311.request_detail, name="open311_request"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<slug:dataset>/<str:period>.csv", views.open_data_csv, name="open_data_csv"),
]
