# The model is renamed so it never shares a name with the engine's LocationPlan;
# its table keeps the first name, so no data moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0003_proposals"),
        ("portfolios", "0002_same_firm_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel("LocationPlan", "SavedLocationPlan"),
                migrations.AlterModelTable("savedlocationplan", "policies_locationplan"),
            ],
        ),
    ]
