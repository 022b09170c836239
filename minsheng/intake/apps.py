from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "minsheng.intake"
    verbose_name = "民情收集"
