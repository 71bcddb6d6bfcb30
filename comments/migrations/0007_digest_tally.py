"""Fill Digest.comment_count and Digest.comments_version (comments.tally) for digests
that existed before they did."""

import secrets

from django.db import migrations
from django.db.models import Count


def fill(apps, schema_editor):
    Digest = apps.get_model("blog", "Digest")
    DigestComment = apps.get_model("comments", "DigestComment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind = ContentType.objects.filter(app_label="blog", model="digest").first()
    counts = {}
    if kind is not None:
        public = DigestComment.objects.filter(content_type=kind, state="public")
        rows = public.values("object_pk").annotate(n=Count("pk")).values_list("object_pk", "n")
        counts = dict(rows)
    for digest in Digest.objects.only("pk").iterator():
        Digest.objects.filter(pk=digest.pk).update(
            comment_count=counts.get(str(digest.pk), 0), comments_version=secrets.token_hex(8)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_comment_count"),
        ("comments", "0006_verbose_names"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
