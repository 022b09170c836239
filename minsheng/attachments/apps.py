from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "minsheng.attachments"
    verbose_name = "附件"
