from django.contrib import admin
from django.urls import include, path

from cxpilot.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("voc/", include("cxpilot.voc.case_urls")),
    path("voc/", include("cxpilot.voc.dashboard_urls")),
    path("text/", include("cxpilot.text.urls")),
    path("maturity/", include("cxpilot.maturity.urls")),
    path("governance/", include("cxpilot.governance.urls")),
    path("", include("cxpilot.core.urls")),
    path("", include("cxpilot.voc.urls")),
]
