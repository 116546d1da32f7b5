from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectionConfig(AppConfig):
    name = "fupin.detection"
    label = "detection"
    verbose_name = _("Inflated-statistics detection")
