"""Create the role groups, so a fresh database knows who managers and delivery crew are."""

from django.db import migrations

GROUPS = ("Manager", "Delivery crew")  # frozen copy of roles.GROUPS, as migrations must be


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("LittleLemonDRF", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
