from django.core.management.base import BaseCommand

from blog.models import MediaItem
from blog.services import fetch_missing_posters


class Command(BaseCommand):
    help = "Fetch the provider's poster for every YouTube or Vimeo item that has no image."

    def handle(self, *args, **options):
        items = MediaItem.objects.filter(kind=MediaItem.Kind.VIDEO, image="").order_by("pk")
        fetched, failures = fetch_missing_posters(items)
        for item, reason in failures:
            self.stderr.write(f"No poster for “{item.title}” ({item.url}): {reason}")
        self.stdout.write(
            f"Fetched {fetched} poster{'s' if fetched != 1 else ''}; {len(failures)} failed."
        )
