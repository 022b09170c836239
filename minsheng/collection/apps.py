from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "minsheng.collection"
    verbose_name = "民情收集渠道"

    def ready(self) -> None:
        # Its photos are attachments: where they are stored and who may see them.
        from .attachment_owner import register

        register()
