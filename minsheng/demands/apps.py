from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "minsheng.demands"
    verbose_name = "民情诉求"
