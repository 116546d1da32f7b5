"""The import templates' pages (names join the `portal:` namespace)."""

from django.urls import path

from .views import import_templates

urlpatterns = [
    path("imports/templates/", import_templates.template_list, name="import_templates"),
    path("imports/templates/<slug:key>.xlsx", import_templates.template_download, name="import_template"),
]
