from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "minsheng.collection"
    verbose_name = "民情收集渠道"
