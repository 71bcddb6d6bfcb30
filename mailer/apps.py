from django.apps import AppConfig


class MailerConfig(AppConfig):
    """Every mail as a Delivery row, sent by `manage.py db_worker` (django-tasks-db)."""

    name = "mailer"
    verbose_name = "Mail"
