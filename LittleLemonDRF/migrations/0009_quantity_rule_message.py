from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("LittleLemonDRF", "0008_webhook_secret_rotation"),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="cart",
            name="cart_quantity_in_range",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gte", 1), ("quantity__lte", 100)),
                name="cart_quantity_in_range",
                violation_error_message="A cart line's quantity is a whole number from 1 to 100.",
            ),
        ),
    ]
