from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "minsheng.demo"
    verbose_name = "示例数据"
