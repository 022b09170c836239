from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "minsheng.projects"
    verbose_name = "微实事项目"
