from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fupin.demo"
    label = "demo"
    verbose_name = "Demo world"
