"""Pages for satisfaction: the callback desk, the monthly ranking, the community sense surveys."""

from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("desk/callbacks/", views.callback_desk, name="callbacks"),
    path("desk/callbacks/<str:code>/", views.callback_record, name="callback_record"),
    path("rankings/", views.ranking_page, name="rankings"),
    path("surveys/<int:pk>/", views.survey_page, name="survey"),
    path("desk/surveys/", views.survey_desk, name="survey_desk"),
    path("desk/surveys/new", views.survey_create, name="survey_create"),
    path("desk/surveys/<int:pk>/", views.survey_results, name="survey_results"),
    path("desk/surveys/<int:pk>/paper", views.survey_paper, name="survey_paper"),
    path("desk/surveys/<int:pk>/status", views.survey_status, name="survey_status"),
]
