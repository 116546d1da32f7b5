from django.db import migrations


def seed(apps, schema_editor):
    from fupin.certification.parameters import DEFAULTS
    from fupin.core.params import seed_defaults

    seed_defaults(apps, DEFAULTS)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
