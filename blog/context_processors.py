from django.conf import settings


def site(request):
    """The blog's name and tagline for every template."""
    return {
        "blog_title": settings.BLOG_TITLE,
        "blog_tagline": settings.BLOG_TAGLINE,
        "blog_noindex_archives": settings.BLOG_NOINDEX_ARCHIVES,
    }
