"""Pages of 民情收集 (intake): importing WeChat group exports at /desk/intake/chat/."""

from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("desk/intake/chat/", views.chat_upload, name="chat_upload"),
    path("desk/intake/chat/<int:pk>/", views.chat_preview, name="chat_preview"),
    path("desk/intake/chat/<int:pk>/register", views.chat_register, name="chat_register"),
]
