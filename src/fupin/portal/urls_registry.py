"""Registry pages (names join the `portal:` namespace)."""

from django.urls import path

from .views import registry, registry_files

urlpatterns = [
    path("regions/", registry.region_list, name="region_list"),
    path("regions/<str:code>/", registry.region_detail, name="region_detail"),
    path("organisations/", registry.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", registry.organisation_detail, name="organisation_detail"),
    path("entities/", registry.entity_list, name="entity_list"),
    path("entities/<int:pk>/", registry.entity_detail, name="entity_detail"),
    path("households/", registry.household_list, name="household_list"),
    path("households/<int:pk>/", registry.household_detail, name="household_detail"),
    path("relations/", registry.relation_list, name="relation_list"),
    path("relations/linking/", registry.relation_linking, name="relation_linking"),
    path("imports/", registry_files.import_list, name="import_list"),
    path("imports/<int:pk>/", registry_files.import_detail, name="import_detail"),
    path("imports/<int:pk>/rejected/", registry_files.import_rejected, name="import_rejected"),
]
