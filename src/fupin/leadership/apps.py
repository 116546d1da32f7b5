from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    name = "fupin.leadership"
    label = "leadership"
    verbose_name = _("Leadership")
