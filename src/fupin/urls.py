from django.contrib import admin
from django.urls import include, path

from fupin.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("fupin.portal.urls")),
]

# Errors on pages render the portal's own 4xx pages (domain errors reach them through
# fupin.portal.middleware.DomainErrorMiddleware).
handler400 = "fupin.portal.views.shared.bad_request"
handler403 = "fupin.portal.views.shared.permission_denied"
handler404 = "fupin.portal.views.shared.page_not_found"
