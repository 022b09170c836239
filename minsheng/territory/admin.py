from django.contrib import admin

from minsheng.core.admin import ScopedAdmin

from .models import Building, Community, Grid, Place, ResidentGroup, Town


@admin.register(Town)
class TownAdmin(ScopedAdmin):
    list_display = ["name", "code", "population"]


@admin.register(Community)
class CommunityAdmin(ScopedAdmin):
    list_display = ["name", "town", "code", "population"]
    list_filter = ["town"]


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ["name", "community", "kind", "worker", "households"]
    list_filter = ["kind", "community"]
    list_select_related = ["community", "worker"]
    raw_id_fields = ["worker"]


@admin.register(ResidentGroup)
class ResidentGroupAdmin(ScopedAdmin):
    list_display = ["name", "community", "leader"]
    list_filter = ["community"]
    list_select_related = ["community", "leader"]
    raw_id_fields = ["leader"]


@admin.register(Place)
class PlaceAdmin(ScopedAdmin):
    list_display = ["name", "community", "grid", "kind"]
    list_filter = ["community", "kind"]
    search_fields = ["name"]
    list_select_related = ["community", "grid"]


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["name", "grid", "compound", "households"]
    list_select_related = ["grid", "compound"]
    search_fields = ["name"]
