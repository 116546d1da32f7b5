"""Detection pages (names join the `portal:` namespace); every page needs sign-in, the detection app decides the
rest (roles, scope, who decides)."""

from django.urls import path

from .views import detection as v

urlpatterns = [
    path("detection/flags/", v.flag_list, name="detection_flags"),
    path("detection/flags/<int:pk>/", v.flag_detail, name="detection_flag"),
    path("detection/flags/<int:pk>/<str:action>/", v.flag_decide, name="detection_flag_decide"),
]
