from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _

# Other apps' models that pages show, when those apps are installed: the avatar and link
# of a signed-in commenter, the providers the log-in buttons offer, the webmentions
# under a digest, and the fediverse's likes and boosts counted on a digest.
OTHER_MODELS = (
    "accounts.Profile",
    "socialaccount.SocialApp",
    "mentions.Mention",
    "fediverse.Reaction",
)


class CachingConfig(AppConfig):
    """Cached reader pages and fragments, and the signals that make them stale.

    A layer above blog and comments: it watches their models and signals, and installs
    its fragment cache into blog.fragments; neither app imports it.
    """

    name = "caching"
    verbose_name = _("Page cache")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.flatpages.models import FlatPage
        from django.contrib.sites.models import Site

        from blog import fragments as shared_parts
        from blog.models import Category, Digest, MediaItem, MenuLink, RelatedLink, Tag
        from comments.models import DigestComment
        from comments.signals import comments_updated

        from . import drawings, fragments

        shared_parts.keep_with(fragments.cached)
        shared_parts.keep_drawings_with(drawings.drawn)
        # Everything a cached page shows.
        watched = (Digest, MediaItem, RelatedLink, Category, Tag, Site)
        for model in (*watched, MenuLink, FlatPage):
            watch(model, model._meta.label_lower)
        # Comments: every save and delete, whatever the state (posted, confirmed, approved
        # in the admin or its bulk actions, held, marked spam, deleted), and edits made
        # with QuerySet.update(); they make only the pages that show comments stale.
        post_save.connect(_comment_changed, sender=DigestComment, dispatch_uid="caching.c.save")
        post_delete.connect(_comment_changed, sender=DigestComment, dispatch_uid="caching.c.del")
        for through in (Digest.categories.through, Digest.tags.through):
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"caching.{through}")
        comments_updated.connect(
            _comments_updated, sender=DigestComment, dispatch_uid="caching.update"
        )
        for label in OTHER_MODELS:
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError):
                continue
            watch(model, label)
        # Digests and feeds name their author; a sign-in only stores last_login.
        post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="caching.user")


def watch(model, label):
    """Every save and delete of `model` makes cached pages stale."""
    post_save.connect(_changed, sender=model, dispatch_uid=f"caching.{label}.save")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"caching.{label}.delete")


def _changed(sender, **kwargs):
    from .generation import content_changed

    content_changed()


def _comment_changed(sender, instance, **kwargs):
    _comments_updated(sender, object_pks=[instance.object_pk])


def _comments_updated(sender, object_pks=None, **kwargs):
    """Comments on these digests (their object_pk) changed: the pages showing them."""
    from blog.fragments import COMMENTS, comments_of
    from blog.models import Digest
    from blog.text import parse_id

    from .generation import scopes_changed

    ids = {parse_id(pk) for pk in object_pks or ()} - {None}
    slugs = Digest.objects.filter(pk__in=ids).values_list("slug", flat=True) if ids else ()
    scopes_changed({COMMENTS, *(comments_of(slug) for slug in slugs)})


def _m2m_changed(sender, action, **kwargs):
    if action.startswith("post_"):
        _changed(sender)


def _user_saved(sender, update_fields=None, **kwargs):
    from comments.tally import readers_may_see

    if readers_may_see(update_fields):
        _changed(sender)
