from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "minsheng.projects"
    verbose_name = "微实事项目"

    def ready(self) -> None:
        # Its photos are attachments: where they are stored and who may see them.
        from .attachment_owner import register

        register()
