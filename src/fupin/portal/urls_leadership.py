"""Leadership pages (names join the `portal:` namespace); every page needs sign-in, the leadership app decides the
rest (scope, roles, who reviews)."""

from django.urls import path

from .views import home
from .views import leadership as v

urlpatterns = [
    path("leadership/plans/", v.plan_list, name="leadership_plans"),
    path("leadership/plans/<int:pk>/", v.plan_detail, name="leadership_plan"),
    path("leadership/plans/<int:pk>/<str:action>/", v.plan_action, name="leadership_plan_action"),
    path("leadership/tasks/<int:pk>/<str:action>/", v.task_action, name="leadership_task_action"),
    path("leadership/responsibilities/", v.department_mine, name="leadership_department_mine"),
    path("leadership/responsibilities/<int:pk>/", v.department, name="leadership_department"),
    path("leadership/cases/", v.case_list, name="leadership_cases"),
    path("leadership/cases/new/", v.case_new, name="leadership_case_new"),
    path("leadership/cases/<int:pk>/", v.case_detail, name="leadership_case"),
    path("leadership/cases/<int:pk>/<str:action>/", v.case_action, name="leadership_case_action"),
    path("leadership/photos/<int:pk>/", v.photo, name="leadership_photo"),
    path("inbox/", home.inbox_page, name="inbox"),  # the task inbox (fupin.leadership.inbox)
    path("inbox/read/", home.inbox_read, name="inbox_read"),
]
