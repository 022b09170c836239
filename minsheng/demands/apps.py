from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "minsheng.demands"
    verbose_name = "民情诉求"

    def ready(self) -> None:
        # Its photos are attachments: where they are stored and who may see them.
        from .attachment_owner import register

        register()
