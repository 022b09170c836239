from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("facilities/", views.public_list, name="public_list"),
    path("facilities/<int:pk>/report/", views.report, name="report"),
    path("desk/facilities/", views.desk_list, name="desk"),
    path("desk/facilities/new/", views.desk_new, name="desk_new"),
    path("desk/facilities/<int:pk>/", views.desk_detail, name="desk_detail"),
    path("desk/facilities/<int:pk>/condition/", views.desk_condition, name="desk_condition"),
    path("desk/facilities/<int:pk>/photos/", views.desk_photo, name="desk_photo"),
    path("desk/facilities/photos/<int:pk>/", views.desk_photo_file, name="photo_file"),
    path("desk/facilities/plans/", views.desk_plans, name="desk_plans"),
    path("desk/facilities/tasks/", views.desk_tasks, name="desk_tasks"),
    path("desk/facilities/tasks/<int:pk>/", views.desk_task, name="desk_task"),
    path("desk/facilities/tasks/<int:pk>/assign/", views.desk_task_assign, name="desk_task_assign"),
]
