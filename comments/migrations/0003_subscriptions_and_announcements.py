"""Subscriptions to a digest's comments, and a record of which comments were announced.

Comments that were public before this migration count as announced, so approving one
again never mails its readers a second time.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def mark_public_comments_announced(apps, schema_editor):
    DigestComment = apps.get_model("comments", "DigestComment")
    Announcement = apps.get_model("comments", "Announcement")
    now = django.utils.timezone.now()
    public = DigestComment.objects.filter(state="public").values_list("pk", flat=True)
    Announcement.objects.bulk_create(
        (Announcement(comment_id=pk, announced_at=now) for pk in public.iterator()),
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
        ("comments", "0002_thread_order_unique_and_long_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="Announcement",
            fields=[
                (
                    "comment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="announcement",
                        serialize=False,
                        to="comments.digestcomment",
                    ),
                ),
                ("announced_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ("-announced_at",),
            },
        ),
        migrations.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.EmailField(max_length=254)),
                ("name", models.CharField(blank=True, max_length=245)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "digest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comment_subscriptions",
                        to="blog.digest",
                    ),
                ),
            ],
            options={
                "ordering": ("digest", "email"),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("digest", "email"), name="comments_subscription_once"
                    )
                ],
            },
        ),
        migrations.RunPython(mark_public_comments_announced, migrations.RunPython.noop),
    ]
