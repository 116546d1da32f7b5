"""API tokens (every signed-in user) and users (administrators); names join the `portal:` namespace."""

from django.urls import path

from .views import access

urlpatterns = [
    path("account/tokens/", access.token_list, name="access_tokens"),
    path("account/tokens/<int:pk>/revoke/", access.token_revoke, name="access_token_revoke"),
    path("oversight/users/", access.user_list, name="access_users"),
    path("oversight/users/<int:pk>/", access.user_detail, name="access_user"),
]
