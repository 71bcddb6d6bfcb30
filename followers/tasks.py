"""The worker's side of following: mail a digest when its date comes, and a sweep."""

from django_tasks import task

from . import announce


@task()
def announce_digest(digest_id):
    """Mail the digest to every confirmed follower, once, if it is public now."""
    return announce.announce(digest_id)


@task()
def sweep():
    """Mail every digest whose date has come and whose own task did not (it failed, say)."""
    return {str(pk): announce.announce(pk) for pk in announce.due_digest_ids()}
