"""A read-only JSON view of a published digest with its items, in order
(django-rest-framework; settings.REST_FRAMEWORK: JSON only, anonymous). Only what the
digest's page shows: no drafts, no addresses, no ids of people."""

from rest_framework import generics, serializers

from .models import Digest, MediaItem, RelatedLink
from .site import site_url


class AbsoluteURL(serializers.Field):
    """The object's address on this site, absolute."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return site_url(value.get_absolute_url())


class RelatedLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = RelatedLink
        fields = ("title", "url")


class MediaItemSerializer(serializers.ModelSerializer):
    number = serializers.SerializerMethodField()
    permalink = AbsoluteURL()
    image = serializers.SerializerMethodField()
    links = RelatedLinkSerializer(many=True, read_only=True)

    class Meta:
        model = MediaItem
        fields = (
            "number", "kind", "title", "source", "url", "description_html", "image",
            "alt_text", "caption", "credit", "links", "permalink",
        )  # fmt: skip

    def get_number(self, item):
        return self.context["numbers"][item.pk]

    def get_image(self, item):
        return site_url(item.image.url) if item.image else None


class DigestSerializer(serializers.ModelSerializer):
    url = AbsoluteURL()
    author = serializers.SerializerMethodField()
    description = serializers.CharField(read_only=True)
    categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    items = serializers.SerializerMethodField()

    class Meta:
        model = Digest
        fields = (
            "id", "title", "url", "published_at", "updated_at", "author", "description",
            "intro_html", "categories", "tags", "items",
        )  # fmt: skip

    def get_author(self, digest):
        author = digest.author
        return (author.get_full_name() or author.get_username()) if author else None

    def get_items(self, digest):
        items = list(digest.media_items.all())
        context = {**self.context, "numbers": {item.pk: n for n, item in enumerate(items, 1)}}
        return MediaItemSerializer(items, many=True, context=context).data


class DigestDetailAPIView(generics.RetrieveAPIView):
    serializer_class = DigestSerializer
    queryset = (
        Digest.objects.published()
        .select_related("author")
        .prefetch_related("media_items__links", "categories", "tags")
    )
