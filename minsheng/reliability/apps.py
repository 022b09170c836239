from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "minsheng.reliability"
    verbose_name = "可靠性与个人信息权利"
    default_auto_field = "django.db.models.BigAutoField"
