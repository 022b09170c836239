from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "minsheng.territory"
    verbose_name = "辖区"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Town
        from .selectors import forget_sole_town

        post_save.connect(forget_sole_town, sender=Town, dispatch_uid="territory.sole_town.save")
        post_delete.connect(forget_sole_town, sender=Town, dispatch_uid="territory.sole_town.delete")
