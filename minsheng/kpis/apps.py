from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "minsheng.kpis"
    verbose_name = "三率与满意度"
