from django.apps import AppConfig


class LikesConfig(AppConfig):
    """Readers like digests: one like per reader, taken back by a second click."""

    name = "likes"
    verbose_name = "Likes"
