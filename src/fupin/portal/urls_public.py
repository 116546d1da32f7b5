"""The public face (no sign-in): statistics pages and the open data. The home page `/` is `portal:home`
(`views.public.home`: the public home for visitors, the signed-in home for users)."""

from django.urls import path, re_path

from .views import public

urlpatterns = [
    path("statistics/", public.statistics, name="public_statistics"),
    path("statistics/<str:province>/", public.statistics_province, name="public_province"),
    path("open-data/", public.open_data, name="open_data"),
    path("open-data/datapackage.json", public.open_data_package, name="open_data_package"),
    re_path(r"^open-data/(?P<dataset>[a-z_]{1,40})\.(?P<fmt>csv|json)$", public.open_data_file,
            name="open_data_file"),
]
