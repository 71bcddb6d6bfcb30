from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self):
        from django.conf import settings
        from PIL import Image

        # Pillow's own bomb guard at our limit, also for files sorl-thumbnail opens later.
        Image.MAX_IMAGE_PIXELS = settings.BLOG_MAX_IMAGE_PIXELS
