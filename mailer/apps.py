from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailerConfig(AppConfig):
    """Every mail as a Delivery row, sent by `manage.py db_worker` (django-tasks-db)."""

    name = "mailer"
    verbose_name = _("Mail")
