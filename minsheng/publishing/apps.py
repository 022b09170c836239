from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minsheng.publishing"
    verbose_name = "公开与发布"
