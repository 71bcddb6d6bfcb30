from django.core.management.base import BaseCommand

from blog import demo
from blog.models import Digest


class Command(BaseCommand):
    help = (
        "Create the demo digest “Connections between physics and deep learning”, "
        "replacing an earlier copy of it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds any digest (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        if if_empty and Digest.objects.exists():
            count = Digest.objects.count()
            self.stdout.write(f"The database already has {count} digest(s); no demo loaded.")
            return

        digest, replaced = demo.create_demo_digest()

        verb = "Replaced" if replaced else "Created"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo digest “{digest.title}”"))
        self.stdout.write(f"  address: {digest.get_absolute_url()}")
        self.stdout.write(
            f"  status: {digest.get_status_display().lower()}, published "
            f"{digest.published_at:%Y-%m-%d %H:%M %Z}"
        )
        self.stdout.write(
            f"  category: {', '.join(c.name for c in digest.categories.all())}; "
            f"tags: {', '.join(t.name for t in digest.tags.all())}"
        )
        for number, item in enumerate(digest.media_items.prefetch_related("links"), start=1):
            self.stdout.write(f"  {number}. [{item.kind}] {item.title} ({item.source})")
            self.stdout.write(f"     {item.url}")
            if item.image:
                self.stdout.write(
                    f"     image: {item.image.name} ({item.image_width}×{item.image_height})"
                )
            for link in item.links.all():
                self.stdout.write(f"     link: {link.title} <{link.url}>")
