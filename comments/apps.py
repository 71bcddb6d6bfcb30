from django.apps import AppConfig


class CommentsConfig(AppConfig):
    """Threaded comments on digests; filled in by the comments issue."""

    name = "comments"
