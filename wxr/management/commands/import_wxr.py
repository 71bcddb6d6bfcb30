import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wxr.importer import Importer
from wxr.reader import WXRError


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR 1.0, 1.1 or 1.2; or WordPress.com's .zip of them): "
        "posts, pages, categories, tags, authors, comments and images. Run it again to update."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml export, or WordPress.com's .zip.")
        parser.add_argument(
            "--uploads-dir",
            help="The old blog's wp-content/uploads folder (or WordPress.com's media export): "
            "images found there are checked and stored; the others stay links.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report everything; write nothing."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, **options):
        progress = None
        if not options["no_progress"]:

            def progress(**kwargs):
                # disable=None: only on a terminal.
                return tqdm(file=sys.stderr, disable=None, leave=False, **kwargs)

        try:
            summary = Importer(
                options["file"],
                uploads_dir=options["uploads_dir"],
                dry_run=options["dry_run"],
                progress=progress,
            ).run()
        except WXRError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
