"""Pages of the collection channels: staff pages under /desk/collect/, the public answer page of an
opinion form under /collect/forms/<token>/."""

from django.urls import path

from . import chat_views, views

app_name = "collection"

urlpatterns = [
    path("desk/collect/", views.home, name="home"),
    path("desk/collect/meetings/", views.meeting_list, name="meetings"),
    path("desk/collect/meetings/new", views.meeting_new, name="meeting_new"),
    path("desk/collect/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("desk/collect/meetings/<int:pk>/minutes", views.meeting_minutes, name="meeting_minutes"),
    path("desk/collect/meetings/<int:pk>/extract", views.meeting_extract, name="meeting_extract"),
    path("desk/collect/meetings/<int:pk>/register", views.meeting_register, name="meeting_register"),
    path("desk/collect/meetings/<int:pk>/items/<int:item>/dismiss", views.meeting_dismiss, name="meeting_dismiss"),
    path("desk/collect/meetings/<int:pk>/cancel", views.meeting_cancel, name="meeting_cancel"),
    path("desk/collect/visits/", views.visit_list, name="visits"),
    path("desk/collect/visits/new", views.visit_new, name="visit_new"),
    path("desk/collect/visits/<int:pk>/", views.visit_detail, name="visit"),
    path("desk/collect/visits/photos/<int:pk>", views.visit_photo, name="visit_photo"),
    path("desk/collect/forms/", views.form_list, name="forms"),
    path("desk/collect/forms/<int:pk>/", views.form_detail, name="form"),
    path("desk/collect/forms/<int:pk>/edit", views.form_edit, name="form_edit"),
    path("desk/collect/forms/<int:pk>/state", views.form_state, name="form_state"),
    path("desk/collect/forms/<int:pk>/questions", views.form_question_add, name="form_question_add"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/edit", views.form_question_edit, name="form_question_edit"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/delete", views.form_question_delete,
         name="form_question_delete"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/move", views.form_question_move, name="form_question_move"),
    path("desk/collect/forms/<int:pk>/qr.png", views.form_qr, name="form_qr"),
    path("desk/collect/forms/<int:pk>/print.pdf", views.form_pdf, name="form_pdf"),
    path("desk/collect/forms/<int:pk>/paper", views.form_paper, name="form_paper"),
    path("desk/collect/forms/<int:pk>/results", views.form_results, name="form_results"),
    path("desk/collect/forms/<int:pk>/answers/<int:answer>/demand", views.form_answer_demand,
         name="form_answer_demand"),
    path("desk/collect/forms/<int:pk>/answers/demands", views.form_texts_demands, name="form_texts_demands"),
    path("desk/collect/ledger/", views.ledger, name="ledger"),
    path("desk/collect/ledger/export.xlsx", views.ledger_export, name="ledger_export"),
    path("desk/collect/ledger/<int:pk>/", views.ledger_import, name="ledger_import"),
    path("desk/collect/ledger/<int:pk>/confirm", views.ledger_confirm, name="ledger_confirm"),
    path("desk/collect/ledger/<int:pk>/status", views.ledger_status, name="ledger_status"),
    path("collect/forms/<str:token>/", views.answer, name="answer"),
    path("collect/forms/<str:token>/done", views.answer_done, name="answer_done"),
    # WeChat group exports (the path keeps its first name, /desk/intake/chat/).
    path("desk/intake/chat/", chat_views.chat_upload, name="chat_upload"),
    path("desk/intake/chat/<int:pk>/", chat_views.chat_preview, name="chat_preview"),
    path("desk/intake/chat/<int:pk>/register", chat_views.chat_register, name="chat_register"),
]
