"""The portal's URLs, all in the `portal:` namespace. Each area keeps its own module `urls_<area>.py`
(patterns without an app_name, so their names join `portal:`) and adds ONE include line below."""

from django.urls import include, path

from .views import auth, public

app_name = "portal"

urlpatterns = [
    path("", public.home, name="home"),  # visitors: the public home; users: their home
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/password/", auth.password_change, name="password_change"),
    path("", include("fupin.portal.urls_registry")),
    path("", include("fupin.portal.urls_oversight")),
    path("", include("fupin.portal.urls_linkage")),
    path("", include("fupin.portal.urls_certification")),
    path("", include("fupin.portal.urls_ledger")),
    path("", include("fupin.portal.urls_supervision")),
    path("", include("fupin.portal.urls_leadership")),
    path("", include("fupin.portal.urls_detection")),
    path("", include("fupin.portal.urls_public")),
    path("", include("fupin.portal.urls_access")),
    path("", include("fupin.portal.urls_templates")),
]
