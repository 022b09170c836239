from django.contrib import admin
from django.urls import include, path

from minsheng.api import api
from minsheng.publishing.views import home

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("minsheng.accounts.urls")),
    path("", include("minsheng.demands.urls")),
    path("", include("minsheng.projects.urls")),
    path("", include("minsheng.facilities.urls")),
    path("", include("minsheng.services_activities.urls")),
    path("", include("minsheng.kpis.urls")),
    path("", include("minsheng.collection.urls")),
    path("", include("minsheng.publishing.urls")),
    path("", include("minsheng.dashboard.urls")),
    path("", include("minsheng.reliability.urls")),
    path("", include("minsheng.core.urls")),
    path("", home, name="home"),
]
