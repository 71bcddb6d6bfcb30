from django.core.management.base import BaseCommand

from wxr.exporter import Exporter


class Command(BaseCommand):
    help = (
        "Write the blog as a WordPress export (WXR 1.2): digests, images, categories, tags, "
        "comments with their threads, and pages. WordPress's Tools → Import → WordPress reads it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the .xml file.")
        parser.add_argument(
            "--site-url",
            help="The site's public address for links and image URLs "
            "(default: from DJANGO_SITE_DOMAIN).",
        )

    def handle(self, *args, **options):
        with open(options["file"], "w", encoding="utf-8") as out:
            count = Exporter(out, site_url=options["site_url"]).export()
        self.stdout.write(
            f"Wrote {options['file']}: {count['posts']} posts, {count['pages']} pages, "
            f"{count['attachments']} images, {count['comments']} comments."
        )
