from django.apps import AppConfig, apps

OTHER_MODELS = ("accounts.Profile",)


class CachingConfig(AppConfig):
    """Cached reader pages, and the signals that make every cached page stale."""

    name = "caching"
    verbose_name = "Page cache"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.flatpages.models import FlatPage
        from django.contrib.sites.models import Site
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from blog.models import Category, Digest, MediaItem, MenuLink, RelatedLink, Tag
        from comments.models import DigestComment

        # Everything a cached page shows. Comments: every save and delete, whatever the
        # state (posted, confirmed, approved in the admin or its bulk actions, held,
        # marked spam, deleted); edits made with QuerySet.update() call content_changed()
        # from DigestCommentQuerySet.update().
        watched = (Digest, MediaItem, RelatedLink, Category, Tag, DigestComment, Site)
        for model in (*watched, MenuLink, FlatPage):
            uid = f"caching.{model._meta.label_lower}"
            post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
        for through in (Digest.categories.through, Digest.tags.through):
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"caching.{through}")
        # Other apps' models that comments show (the avatar and link of a signed-in
        # commenter), when those apps are installed.
        for label in OTHER_MODELS:
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError):
                continue
            post_save.connect(_changed, sender=model, dispatch_uid=f"caching.{label}.save")
            post_delete.connect(_changed, sender=model, dispatch_uid=f"caching.{label}.delete")
        # Digests and feeds name their author; a sign-in only stores last_login.
        post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="caching.user")


def _changed(sender, **kwargs):
    from .pages import content_changed

    content_changed()


def _m2m_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        _changed(sender)


def _user_saved(sender, update_fields=None, **kwargs):
    if update_fields is None or set(update_fields) - {"last_login", "password"}:
        _changed(sender)
