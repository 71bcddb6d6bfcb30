"""What the WordPress import remembers: old ids, guids, paths and files.

Re-running an import finds its earlier rows here and updates them instead of
adding copies; the old blog's links (/?p=ID, permalinks, /wp-content/uploads/…)
are answered from here by wxr.middleware.
"""

from django.contrib.flatpages.models import FlatPage
from django.core.files.storage import default_storage
from django.db import models

from blog.models import Category, Digest, Tag


class WordPressFile(models.Model):
    """A file from the old blog's uploads, checked and stored like any upload."""

    # Where it was under wp-content/uploads (or the --uploads-dir), e.g. "2017/12/x.jpg".
    path = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    name = models.CharField("stored as", max_length=500)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ("path",)
        verbose_name = "WordPress file"

    def __str__(self):
        return self.path

    def get_absolute_url(self):
        return default_storage.url(self.name)


class WordPressPost(models.Model):
    """A WordPress post or page and what it became here."""

    # The old site (host and path, see wxr.values.site_of): a WordPress id names one post there.
    # Blank on rows imported before it was recorded.
    source = models.CharField(max_length=300, blank=True)
    wp_id = models.PositiveBigIntegerField(db_index=True)
    # Not unique: real exports repeat guids (WordPress's Theme Unit Test has two pairs);
    # blank in a few hand-made ones. The id decides (wxr.matching).
    guid = models.CharField(max_length=500, null=True, blank=True, db_index=True)  # noqa: DJ001
    post_type = models.CharField(max_length=20, default="post")
    # The old permalink's path, e.g. "/2017/12/01/hello-world/", decoded.
    old_path = models.CharField(max_length=500, blank=True, db_index=True)
    digest = models.OneToOneField(
        Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="wordpress"
    )
    flatpage = models.OneToOneField(
        FlatPage, null=True, blank=True, on_delete=models.CASCADE, related_name="wordpress"
    )
    is_sticky = models.BooleanField(default=False)
    # Of what the import read; the same again means nothing to update.
    source_hash = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("wp_id",)
        verbose_name = "WordPress post"
        constraints = [
            models.UniqueConstraint(
                fields=("source", "post_type", "wp_id"),
                condition=~models.Q(source=""),
                name="wxr_post_once_per_site",
            )
        ]

    def __str__(self):
        return f"{self.post_type} {self.wp_id}"

    def get_absolute_url(self):
        target = self.digest or self.flatpage
        return target.get_absolute_url() if target else ""


class WordPressComment(models.Model):
    post = models.ForeignKey(WordPressPost, on_delete=models.CASCADE, related_name="comments")
    wp_id = models.PositiveBigIntegerField()
    comment = models.OneToOneField(
        "comments.DigestComment",
        on_delete=models.CASCADE,
        related_name="wordpress",
    )
    source_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("post", "wp_id")
        verbose_name = "WordPress comment"
        constraints = [
            models.UniqueConstraint(fields=("post", "wp_id"), name="wxr_comment_once_per_post")
        ]

    def __str__(self):
        return f"comment {self.wp_id} on {self.post}"

    def get_absolute_url(self):
        return self.comment.get_absolute_url()


class WordPressAttachment(models.Model):
    """A WordPress attachment (media library entry): its old addresses and its file here."""

    source = models.CharField(max_length=300, blank=True)  # as WordPressPost.source
    wp_id = models.PositiveBigIntegerField(db_index=True)
    guid = models.CharField(max_length=500, null=True, blank=True, db_index=True)  # noqa: DJ001
    url = models.URLField("old URL", max_length=500, blank=True)
    # The attachment page's path on the old blog, decoded.
    old_path = models.CharField(max_length=500, blank=True, db_index=True)
    file = models.ForeignKey(
        WordPressFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )

    class Meta:
        ordering = ("wp_id",)
        verbose_name = "WordPress attachment"
        constraints = [
            models.UniqueConstraint(
                fields=("source", "wp_id"),
                condition=~models.Q(source=""),
                name="wxr_attachment_once_per_site",
            )
        ]

    def __str__(self):
        return self.url or f"attachment {self.wp_id}"

    def get_absolute_url(self):
        return self.file.get_absolute_url() if self.file else self.url


class WordPressTerm(models.Model):
    """A WordPress category or tag by its old slug, which may not fit a slug here."""

    class Taxonomy(models.TextChoices):
        CATEGORY = "category", "Category"
        TAG = "post_tag", "Tag"

    taxonomy = models.CharField(max_length=20, choices=Taxonomy.choices)
    # As in the old URLs, decoded: may hold any character and be longer than ours.
    slug = models.CharField(max_length=500)
    term_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    category = models.OneToOneField(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="wordpress"
    )
    tag = models.OneToOneField(
        Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="wordpress"
    )

    class Meta:
        ordering = ("taxonomy", "slug")
        verbose_name = "WordPress term"
        constraints = [models.UniqueConstraint(fields=("taxonomy", "slug"), name="wxr_term_once")]

    def __str__(self):
        return f"{self.taxonomy} {self.slug}"

    def get_absolute_url(self):
        target = self.category or self.tag
        return target.get_absolute_url() if target else ""
