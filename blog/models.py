from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import embeds, images, renditions
from .querysets import DigestQuerySet
from .sanitize import render_author_markdown, strip_tags
from .text import shorten

# Meta descriptions: search engines show about 160 characters; an intro shorter than
# this (such as the stock "These are the latest articles…") says nothing of its own.
DESCRIPTION_LENGTH = 200
DESCRIPTION_MIN_INTRO = 120


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
        verbose_name=_("parent category"),
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name, verbose_name_plural = _("category"), _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:category-detail", kwargs={"slug": self.slug})

    def with_descendants(self):
        """This category and every category below it."""
        children = {}
        for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, todo = set(), [self.pk]
        while todo:
            pk = todo.pop()
            if pk not in found:
                found.add(pk)
                todo.extend(children.get(pk, []))
        return found


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ("name",)
        verbose_name, verbose_name_plural = _("tag"), _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("blog:tag-detail", kwargs={"slug": self.slug})


class Digest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True,
        help_text=_("The last part of the address; filled from the title."),
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="digests", verbose_name=_("author"),
    )  # fmt: skip
    intro = models.TextField(
        _("intro"), blank=True,
        help_text=_("Shown above the list of items. Markdown: *em*, **strong**, "
                    "[links](https://…)."),
    )  # fmt: skip
    intro_html = models.TextField(blank=True, editable=False)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True,
        help_text=_("Optional: one or two sentences for search engines and link previews. "
                    "Without it, the intro is used, followed by the item titles when the intro "
                    "is short."),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("published at"), null=True, blank=True, db_index=True,
        help_text=_("A future date schedules the digest: it stays hidden until then."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="digests", verbose_name=_("categories")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="digests", verbose_name=_("tags"))
    cover_image = images.SafeImageField(
        _("cover image"), upload_to="covers/%Y/%m/", blank=True,
        width_field="cover_width", height_field="cover_height",
        help_text=_("Optional; used for link previews on social sites."),
    )  # fmt: skip
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_alt = models.CharField(_("cover alt text"), max_length=300, blank=True)
    allow_comments = models.BooleanField(_("allow comments"), default=True)
    allow_likes = models.BooleanField(
        _("allow likes"), default=True,
        help_text=_("Readers may like this digest (when likes are on for the site)."),
    )  # fmt: skip
    # Plain text of the intro and the items, kept for search.
    search_text = models.TextField(blank=True, editable=False)
    # Kept by the comments app (comments.threads), never by saving the digest: its public
    # comments, and a token that is new whenever anything its thread shows has changed.
    comment_count = models.PositiveIntegerField(_("comments"), default=0, editable=False)
    comments_version = models.CharField(max_length=16, blank=True, editable=False)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = (F("published_at").desc(nulls_first=True), "-id")
        get_latest_by = "published_at"
        verbose_name, verbose_name_plural = _("digest"), _("digests")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.intro_html = render_author_markdown(self.intro)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        new_cover = images.normalise_upload(self.cover_image)
        super().save(*args, **kwargs)
        if new_cover:
            renditions.warm_renditions(self.cover_image)

    def get_absolute_url(self):
        if self.published_at is None:
            return reverse("blog:digest-preview", kwargs={"pk": self.pk})
        return reverse("blog:digest-detail", kwargs=self.permalink_kwargs())

    def permalink_kwargs(self):
        """The /YYYY/MM/DD/slug/ parts of the permalink (and of addresses below it)."""
        local = timezone.localtime(self.published_at)
        return {"year": local.year, "month": local.month, "day": local.day, "slug": self.slug}

    def clean(self):
        if self.cover_image and not self.cover_alt:
            raise ValidationError(
                {"cover_alt": _("Describe the cover image for readers who cannot see it.")}
            )

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and not self.is_public

    def description(self):
        """The summary for search engines and link previews: the editor's own, else one made
        from the intro, with the item titles when the intro is short or the stock one."""
        if self.summary.strip():
            return self.summary.strip()
        intro = " ".join(strip_tags(self.intro_html).split())
        if len(intro) < DESCRIPTION_MIN_INTRO:
            titles = "; ".join(item.title for item in self.media_items.all())
            if titles:
                intro = f"{intro.rstrip('.:;, ')}: {titles}" if intro else titles
        return shorten(intro, DESCRIPTION_LENGTH)

    def refresh_search_text(self):
        """Store the plain text of the intro and items; call after the items change."""
        parts = [strip_tags(self.intro_html)]
        for item in self.media_items.all():
            parts += [item.title, item.source, strip_tags(item.description_html), item.caption]
        self.search_text = "\n".join(p for p in parts if p)
        Digest.objects.filter(pk=self.pk).update(search_text=self.search_text)


class MediaItem(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        IMAGE = "image", _("Image")
        ARTICLE = "article", _("Article")
        PAPER = "paper", _("Paper")
        LINK = "link", _("Link")

    digest = models.ForeignKey(
        Digest, on_delete=models.CASCADE, related_name="media_items", verbose_name=_("digest")
    )
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VIDEO)
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(
        _("source"), max_length=300, blank=True,
        help_text=_("Who made it, e.g. “Max Tegmark at the Center for Brains, Minds and "
                    "Machines”."),
    )  # fmt: skip
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    description_html = models.TextField(blank=True, editable=False)
    url = models.URLField(
        _("URL"), max_length=500, blank=True,
        help_text=_("For a video: a YouTube or Vimeo address. "
                    "For an article, paper or link: the page."),
    )  # fmt: skip
    image = images.SafeImageField(
        _("image"), upload_to="items/%Y/%m/", blank=True,
        width_field="image_width", height_field="image_height",
        help_text=_("JPEG, PNG, GIF or WebP. For a video it is shown as the poster."),
    )  # fmt: skip
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(_("alt text"), max_length=300, blank=True)
    decorative = models.BooleanField(
        _("decorative"), default=False,
        help_text=_("Tick if the image adds nothing for someone who cannot see it."),
    )  # fmt: skip
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    credit = models.CharField(_("credit"), max_length=300, blank=True)
    links_heading = models.CharField(
        _("links heading"), max_length=300, blank=True,
        help_text=_("The lead-in shown right before the related links, "
                    "e.g. “Two papers described in the video:”."),
    )  # fmt: skip

    class Meta:
        ordering = ("position", "id")
        verbose_name, verbose_name_plural = _("item"), _("items")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.description_html = render_author_markdown(self.description)
        new_image = images.normalise_upload(self.image)
        super().save(*args, **kwargs)
        if new_image:
            renditions.warm_renditions(self.image)

    def get_absolute_url(self):
        return f"{self.digest.get_absolute_url()}#{self.anchor}"

    def clean(self):
        errors = {}
        if self.kind == self.Kind.VIDEO and not self.video:
            errors["url"] = _("Give a YouTube or Vimeo address, or choose the kind “Link”.")
        if self.kind == self.Kind.IMAGE and not self.image:
            errors["image"] = _("An image item needs an image.")
        needs_url = {
            self.Kind.ARTICLE: _("An article needs its address."),
            self.Kind.PAPER: _("A paper needs its address."),
            self.Kind.LINK: _("A link needs its address."),
        }
        if self.kind in needs_url and not self.url:
            errors["url"] = needs_url[self.kind]
        if self.image and not self.decorative and not self.alt_text.strip():
            errors["alt_text"] = _("Describe the image, or tick “decorative”.")
        if errors:
            raise ValidationError(errors)

    @property
    def anchor(self):
        return f"item-{self.pk}"

    @cached_property
    def video(self):
        """The recognised video, or None."""
        return embeds.parse_video(self.url) if self.kind == self.Kind.VIDEO else None


class RelatedLink(models.Model):
    item = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="links")
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("URL"), max_length=500)

    class Meta:
        ordering = ("position", "id")
        verbose_name, verbose_name_plural = _("related link"), _("related links")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url


class MenuLink(models.Model):
    """A link in the site header to one of the site's pages (django.contrib.flatpages)."""

    page = models.OneToOneField(
        "flatpages.FlatPage", on_delete=models.CASCADE, related_name="menu_link",
        verbose_name=_("page"),
    )  # fmt: skip
    label = models.CharField(
        _("label"), max_length=40, blank=True,
        help_text=_("Shown in the header; the page's title if empty."),
    )  # fmt: skip
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)

    class Meta:
        ordering = ("position", "pk")
        verbose_name = _("menu link")

    def __str__(self):
        return self.label or self.page.title

    def get_absolute_url(self):
        return self.page.get_absolute_url()


# Models of their own modules (kept apart so this one stays readable).
from .drafts import Autosave  # noqa: E402, F401
from .library import LibraryImage  # noqa: E402, F401


class SiteVersion(models.Model):
    """One row: a token, new whenever a part drawn once for everyone may show something
    else (blog.siteversion)."""

    value = models.CharField(max_length=16)
    # When the next scheduled digest goes public: the version is renewed then.
    next_publication = models.DateTimeField(null=True, blank=True)
    # A token new whenever a digest's comment count may have changed (comments.tally): what
    # lists of digests show besides the site's version.
    counts = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ("pk",)

    def __str__(self):
        return f"site version {self.value}"
