"""Pages for demands: resident submit and tracking, the staff desk (工作台), the inbox."""

from django.urls import path

from . import views

app_name = "demands"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submit_done, name="submit_done"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/code", views.track_code, name="track_code"),
    path("track/<str:code>/rate", views.track_rate, name="track_rate"),
    path("desk/", views.desk, name="desk"),
    path("desk/bulk-assign", views.bulk_assign, name="bulk_assign"),
    path("desk/demands/<str:code>/", views.demand_page, name="demand"),
    path("desk/demands/<str:code>/act/<slug:action>", views.demand_act, name="act"),
    path("desk/inbox", views.inbox, name="inbox"),
    path("desk/inbox/read", views.inbox_read, name="inbox_read"),
]
