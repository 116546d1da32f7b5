"""Issue #10 §2: the counting basis `poverty_reduction_effect` (带贫成效突出的企业和合作社).

The basis column grows to 32 characters (the new code has 24), and the seeded counting-rule versions gain the basis
just before `poverty_county`, which they keep: no stored verdict changes (no decision existed before this
migration, so the basis held for no entry), and today's totals stay what they were until decisions are computed.
Versions an administrator added are left as they are."""

from django.db import migrations, models

EFFECT, COUNTY = "poverty_reduction_effect", "poverty_county"


def _seeded(apps):
    from fupin.ledger.parameters import COUNTING_RULES, DEFAULTS

    model = apps.get_model("core", "PolicyParameter")
    for d in DEFAULTS:
        p = model.objects.filter(key=COUNTING_RULES, region_prefix=d.region_prefix, valid_from=d.valid_from).first()
        if p is not None and isinstance(p.value, dict):
            yield p


def forwards(apps, schema_editor):
    for p in _seeded(apps):
        bases = list(p.value.get("bases") or [])
        if EFFECT in bases:
            continue
        bases.insert(bases.index(COUNTY) if COUNTY in bases else len(bases), EFFECT)
        p.value = {**p.value, "bases": bases}
        p.save(update_fields=["value"])


def backwards(apps, schema_editor):
    for p in _seeded(apps):
        if EFFECT in (p.value.get("bases") or []):
            p.value = {**p.value, "bases": [b for b in p.value["bases"] if b != EFFECT]}
            p.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [("ledger", "0015_prior_period_adjustment"), ("core", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="purchaseentry", name="basis",
                              field=models.CharField(blank=True, max_length=32, verbose_name="counting basis")),
        migrations.AlterField(model_name="rollupcountymonth", name="basis", field=models.CharField(max_length=32)),
        migrations.RunPython(forwards, backwards),
    ]
