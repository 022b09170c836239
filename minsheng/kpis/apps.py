from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "minsheng.kpis"
    verbose_name = "三率与满意度"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the counters to demand changes)
