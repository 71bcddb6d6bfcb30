"""A unique (thread_id, order) backstop for comment placement, and names up to 245 characters.

Both concern django-comments-xtd's and django-comments' own tables, which our
DigestComment extends, so they are plain SQL here.
"""

from django.db import migrations

UNIQUE_INDEX = "comments_xtd_thread_order_uniq"


def forwards(apps, schema_editor):
    # thread_id is 0 only for the instant between inserting a new thread and naming it.
    schema_editor.execute(
        f'CREATE UNIQUE INDEX {UNIQUE_INDEX} ON django_comments_xtd_xtdcomment (thread_id, "order") '
        "WHERE thread_id <> 0"
    )
    if schema_editor.connection.vendor == "postgresql":
        # django-comments stores 50 characters; WordPress (and our form) allow 245.
        schema_editor.execute("ALTER TABLE django_comments ALTER COLUMN user_name TYPE varchar(245)")


def backwards(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {UNIQUE_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("django_comments_xtd", "0008_auto_20200920_2037"),
        ("django_comments", "0004_add_object_pk_is_removed_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
