"""Supervision pages (names join the `portal:` namespace); every page needs sign-in, the supervision app decides
the rest (scope, roles, the approval hierarchy)."""

from django.urls import path

from .views import supervision as v
from .views import supervision_cycle as c

urlpatterns = [
    path("supervision/", v.home, name="supervision_home"),
    path("supervision/plans/", v.plan_list, name="supervision_plans"),
    path("supervision/plans/import/", v.plan_import, name="supervision_import"),
    path("supervision/plans/<int:pk>/", v.plan_detail, name="supervision_plan"),
    path("supervision/plans/<int:pk>/<str:action>/", v.plan_action, name="supervision_plan_action"),
    path("supervision/entries/", v.entries, name="supervision_entries"),
    path("supervision/approvals/", v.approval_list, name="supervision_approvals"),
    path("supervision/approvals/<int:pk>/", v.approval_detail, name="supervision_approval"),
    path("supervision/approvals/<int:pk>/<str:action>/", v.approval_action, name="supervision_approval_action"),
    path("supervision/problems/", v.problem_list, name="supervision_problems"),
    path("supervision/problems/new/", v.problem_new, name="supervision_problem_new"),
    path("supervision/problems/<int:pk>/", v.problem_detail, name="supervision_problem"),
    path("supervision/responsibility/", v.matrix, name="supervision_matrix"),
    path("supervision/scorecards/", v.scorecard_list, name="supervision_scorecards"),
    path("supervision/scorecards/<int:pk>/", v.scorecard_detail, name="supervision_scorecard"),
    path("supervision/scorecards/<int:pk>/print/", v.scorecard_print, name="supervision_scorecard_print"),
    path("supervision/cycle/", c.cycle_list, name="supervision_cycle"),
    path("supervision/evaluations/new/", c.evaluation_new, name="supervision_evaluation_new"),
    path("supervision/evaluations/<int:pk>/", c.evaluation_detail, name="supervision_evaluation"),
    path("supervision/evaluations/<int:pk>/<str:action>/", c.evaluation_action, name="supervision_evaluation_action"),
    path("supervision/statistics/", c.statistics_list, name="supervision_statistics"),
    path("supervision/statistics/<int:body_id>/<int:year>/forms.xlsx", c.statistics_forms,
         name="supervision_statistics_forms"),
    path("supervision/statistics/<int:body_id>/<int:year>/file/", c.statistics_file, name="supervision_statistics_file"),
]
