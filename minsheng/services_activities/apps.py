from django.apps import AppConfig


class ServicesActivitiesConfig(AppConfig):
    name = "minsheng.services_activities"
    verbose_name = "居民花名册与服务活动"

    def ready(self) -> None:
        # Its photos are attachments: where they are stored and who may see them.
        from .attachment_owner import register

        register()
