"""Issue #10 §4: the buyer-evaluation requirement keyed by the buyer's province and the channels it names
(`ledger.evaluation_requirement`; Guangxi's buyers on the 832 platform from 2021), no longer a flag of the
counting rules keyed by the origin."""

from django.db import migrations


def seed_evaluation_requirement(apps, schema_editor):
    from fupin.core.params import seed_defaults
    from fupin.ledger.parameters import EVALUATION_DEFAULTS

    seed_defaults(apps, EVALUATION_DEFAULTS)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0017_plausibility'),
    ]

    operations = [
        migrations.RunPython(seed_evaluation_requirement, migrations.RunPython.noop),
    ]
