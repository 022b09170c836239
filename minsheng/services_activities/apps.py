from django.apps import AppConfig


class ServicesActivitiesConfig(AppConfig):
    name = "minsheng.services_activities"
    verbose_name = "居民花名册与服务活动"
