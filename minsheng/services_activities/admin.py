from django.contrib import admin

from minsheng.core.admin import ScopedAdmin

from .models import Activity

# The roster (Household, Member) is not in the admin on purpose: unmasked reads must be audit-logged.


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    list_display = ["title", "community", "kind", "date", "signup_open", "cancelled"]
    list_filter = ["kind", "community"]
    list_select_related = ["community"]
    search_fields = ["title"]
    exclude = ["created_by"]
