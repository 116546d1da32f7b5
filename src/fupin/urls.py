from django.contrib import admin
from django.urls import include, path, re_path

from fupin.api.errors import unmatched
from fupin.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", unmatched),  # no route matched: a JSON 404, not the portal's page
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("fupin.portal.urls")),
]

# Errors on pages render the portal's own 4xx pages (domain errors reach them through
# fupin.portal.middleware.DomainErrorMiddleware).
handler400 = "fupin.portal.views.shared.bad_request"
handler403 = "fupin.portal.views.shared.permission_denied"
handler404 = "fupin.portal.views.shared.page_not_found"
