from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "minsheng.facilities"
    verbose_name = "设施与维护"

    def ready(self) -> None:
        # A project that enters service creates or updates the facilities it built.
        from minsheng.projects.signals import project_in_service

        from .attachment_owner import register
        from .receivers import on_project_in_service

        project_in_service.connect(on_project_in_service, dispatch_uid="facilities.project_in_service")
        register()  # its photos are attachments: where they are stored and who may see them
