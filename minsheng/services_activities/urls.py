from django.urls import path

from . import views

app_name = "services_activities"

urlpatterns = [
    path("activities/", views.public_activities, name="public"),
    path("activities/<int:pk>/signup/", views.public_sign_up, name="public_signup"),
    path("activities/photos/<int:pk>/", views.activity_photo_file, name="photo_file"),
    path("desk/roster/", views.roster_list, name="roster"),
    path("desk/roster/members/<int:pk>/", views.member_detail, name="member"),
    path("desk/roster/import/", views.roster_import, name="import"),
    path("desk/roster/lists/", views.lists, name="lists"),
    path("desk/roster/lists/export/", views.lists_export, name="lists_export"),
    path("desk/roster/grids/<int:pk>/flood/", views.grid_flood, name="grid_flood"),
    path("desk/activities/", views.activity_desk, name="desk"),
    path("desk/activities/<int:pk>/", views.activity_detail, name="activity"),
    path("desk/activities/<int:pk>/served/", views.activity_served, name="activity_served"),
    path("desk/activities/<int:pk>/update/", views.activity_update, name="activity_update"),
    path("desk/activities/<int:pk>/photos/", views.activity_photo, name="activity_photo"),
    path("desk/activities/<int:pk>/export/", views.activity_export, name="activity_export"),
]
