"""A new key pair for the blog's actor; followers' servers are told with an Update."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from fediverse import delivery, documents, keys
from fediverse.models import KeyPair


class Command(BaseCommand):
    help = (
        "Make a new RSA key pair for the blog's fediverse actor and send its followers an "
        "Update of the actor. The old pair is kept (not used) until --delete-old."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-old", action="store_true", help="Delete the pairs no longer in use."
        )

    def handle(self, *args, delete_old=False, **options):
        if not settings.FEDIVERSE_ENABLED:
            raise CommandError("The fediverse is off (FEDIVERSE_ENABLED): no key is used.")
        old = KeyPair.objects.count()
        pair = keys.new_key_pair()
        actor = documents.actor(pair.public_pem)
        uri = f"{documents.actor_id()}#update-key-{pair.pk}"
        queued = delivery.to_followers(documents.wrap("Update", actor, uri))
        if delete_old:
            KeyPair.objects.exclude(pk=pair.pk).delete()
        self.stdout.write(
            f"New key pair made ({old} older kept{', now deleted' if delete_old else ''}); "
            f"the actor's Update is queued for {queued} inboxes."
        )
