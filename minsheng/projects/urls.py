from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.board, name="board"),
    path("projects/<int:pk>/", views.project_page, name="project"),
    path("projects/<int:pk>/object/", views.object_view, name="object"),
    path("projects/<int:pk>/support/", views.support_view, name="support"),
    path("desk/projects/", views.desk_list, name="desk"),
    path("desk/projects/new/", views.desk_new, name="new"),
    path("desk/projects/<int:pk>/", views.desk_project, name="manage"),
    path("desk/projects/<int:pk>/act/<slug:action>/", views.desk_act, name="act"),
    path("desk/projects/<int:pk>/photos/", views.desk_photo, name="photo"),
]
