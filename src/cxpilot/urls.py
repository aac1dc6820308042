"""The site's URLs: Django's own, the API, and each domain's ``urls.py`` under the prefix the
registry gives it (:mod:`cxpilot.domains`)."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from cxpilot.api import api
from cxpilot.domains import DOMAINS
from cxpilot.kernel.login import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm

#: Admin pages of apps that were renamed: their old addresses redirect (app label, models).
_ADMIN_MOVED = (
    ("core", "apitoken", "kernel"),
    ("core", "", "organisation"),
    ("voc", "followupcase|loopsettings|alert|casenote", "loop"),
    ("voc", "", "surveys"),
    ("text", "", "verbatims"),
)

urlpatterns = [
    *(
        re_path(
            rf"^admin/{old}/(?P<rest>(?:{models or '.*'}).*)$",
            RedirectView.as_view(url=f"/admin/{new}/%(rest)s", query_string=True),
        )
        for old, models, new in _ADMIN_MOVED
    ),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    *(path(d.urls, include(f"cxpilot.{d.name}.urls")) for d in DOMAINS if d.urls is not None),
]
