"""Pages of the collection channels: staff pages under /desk/collect/, the public answer page of an
opinion form under /collect/forms/<token>/."""

from django.urls import path

from .views import chat, common, forms, ledger, meetings, visits, visits_app

app_name = "collection"

urlpatterns = [
    path("desk/collect/", common.home, name="home"),
    path("desk/collect/meetings/", meetings.meeting_list, name="meetings"),
    path("desk/collect/meetings/new", meetings.meeting_new, name="meeting_new"),
    path("desk/collect/meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("desk/collect/meetings/<int:pk>/minutes", meetings.meeting_minutes, name="meeting_minutes"),
    path("desk/collect/meetings/<int:pk>/extract", meetings.meeting_extract, name="meeting_extract"),
    path("desk/collect/meetings/<int:pk>/register", meetings.meeting_register, name="meeting_register"),
    path("desk/collect/meetings/<int:pk>/items/<int:item>/dismiss", meetings.meeting_dismiss, name="meeting_dismiss"),
    path("desk/collect/meetings/<int:pk>/cancel", meetings.meeting_cancel, name="meeting_cancel"),
    path("desk/collect/visits/", visits.visit_list, name="visits"),
    path("desk/collect/visits/new", visits.visit_new, name="visit_new"),
    # Served from the visits folder so that the worker's scope covers the visit pages.
    path("desk/collect/visits/sw.js", visits_app.service_worker, name="visits_sw"),
    path("desk/collect/visits/manifest.webmanifest", visits_app.manifest, name="visits_manifest"),
    path("desk/collect/visits/<int:pk>/", visits.visit_detail, name="visit"),
    path("desk/collect/visits/photos/<int:pk>", visits.visit_photo, name="visit_photo"),
    path("desk/collect/forms/", forms.form_list, name="forms"),
    path("desk/collect/forms/<int:pk>/", forms.form_detail, name="form"),
    path("desk/collect/forms/<int:pk>/edit", forms.form_edit, name="form_edit"),
    path("desk/collect/forms/<int:pk>/state", forms.form_state, name="form_state"),
    path("desk/collect/forms/<int:pk>/questions", forms.form_question_add, name="form_question_add"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/edit", forms.form_question_edit, name="form_question_edit"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/delete", forms.form_question_delete,
         name="form_question_delete"),
    path("desk/collect/forms/<int:pk>/questions/<int:qid>/move", forms.form_question_move, name="form_question_move"),
    path("desk/collect/forms/<int:pk>/qr.png", forms.form_qr, name="form_qr"),
    path("desk/collect/forms/<int:pk>/print.pdf", forms.form_pdf, name="form_pdf"),
    path("desk/collect/forms/<int:pk>/paper", forms.form_paper, name="form_paper"),
    path("desk/collect/forms/<int:pk>/results", forms.form_results, name="form_results"),
    path("desk/collect/forms/<int:pk>/answers/<int:answer>/demand", forms.form_answer_demand,
         name="form_answer_demand"),
    path("desk/collect/forms/<int:pk>/answers/demands", forms.form_texts_demands, name="form_texts_demands"),
    path("desk/collect/ledger/", ledger.ledger, name="ledger"),
    path("desk/collect/ledger/export.xlsx", ledger.ledger_export, name="ledger_export"),
    path("desk/collect/ledger/<int:pk>/", ledger.ledger_import, name="ledger_import"),
    path("desk/collect/ledger/<int:pk>/confirm", ledger.ledger_confirm, name="ledger_confirm"),
    path("desk/collect/ledger/<int:pk>/status", ledger.ledger_status, name="ledger_status"),
    path("collect/forms/<str:token>/", forms.answer, name="answer"),
    path("collect/forms/<str:token>/done", forms.answer_done, name="answer_done"),
    # WeChat group exports (the path keeps its first name, /desk/intake/chat/).
    path("desk/intake/chat/", chat.chat_upload, name="chat_upload"),
    path("desk/intake/chat/<int:pk>/", chat.chat_preview, name="chat_preview"),
    path("desk/intake/chat/<int:pk>/register", chat.chat_register, name="chat_register"),
    path("desk/intake/chat/<int:pk>/reading", chat.chat_reading, name="chat_reading"),
]
