from django.db import migrations


def seed(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.detection.parameters import DEFAULTS

    seed_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [("detection", "0001_initial"), ("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
