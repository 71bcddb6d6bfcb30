from django.conf import settings
from django.core.checks import Error, register


@register()
def deleted_comments_setting(app_configs, **kwargs):
    """ACCOUNTS_DELETED_COMMENTS says what happens to a deleted account's comments."""
    if settings.ACCOUNTS_DELETED_COMMENTS in {"keep", "anonymise"}:
        return []
    return [
        Error(
            'ACCOUNTS_DELETED_COMMENTS must be "keep" or "anonymise", '
            f"not {settings.ACCOUNTS_DELETED_COMMENTS!r}.",
            id="accounts.E001",
        )
    ]
