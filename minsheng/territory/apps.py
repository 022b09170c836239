from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "minsheng.territory"
    verbose_name = "辖区"
