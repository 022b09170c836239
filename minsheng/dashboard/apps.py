from django.apps import AppConfig


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minsheng.dashboard"
    verbose_name = "数据看板"
