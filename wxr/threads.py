"""WordPress comments as threaded DigestComments, parents first.

Each new comment is made with comments.services.create_comment, placed in its thread
under the thread's lock as a reader's reply would be, so thread, parent, level and order
are right; only the depth limit is ours: IMPORT_DEEPEST levels below the top one
(WordPress nests ten deep at most, our readers' replies COMMENTS_MAX_THREAD_LEVEL).
Replies deeper than that follow their thread at the deepest level.

States: approved → public; 0 → held (only moderators see it); spam → spam (not
shown); trash → skipped, unless replies hang below it: then the "This comment was
deleted." placeholder that an author's own deletion leaves. Pingbacks, trackbacks
and any other comment type are skipped: they are notices from other sites, not
readers' words, and this site neither sends nor receives them. The fingerprint
(duplicate check for new posts) stays NULL: the check is for readers posting.
"""

import html
import ipaddress
from collections import defaultdict

from django.utils import timezone

from blog.sanitize import render_comment_text
from comments.actions import placeholder_fields
from comments.models import DigestComment
from comments.services import create_comment
from comments.websites import without_credentials

from .models import WordPressComment
from .values import checked_url, long_text, number, source_hash, truncate, wp_date

IMPORT_DEEPEST = 9
STATES = {
    "1": DigestComment.State.PUBLIC,
    "0": DigestComment.State.HELD,
    "spam": DigestComment.State.SPAM,
    "trash": DigestComment.State.REMOVED,
    "post-trashed": DigestComment.State.REMOVED,
}


class Threads:
    def __init__(self, summary, *, users_by_wp_id):
        self.summary = summary
        self.users_by_wp_id = users_by_wp_id

    def skip(self, raw_comments, reason):
        for _ in raw_comments:
            self.summary.count("comments", "skipped", reason)

    def import_all(self, mapping, digest, raw_comments):
        """Create or update a post's comments, each thread whole."""
        what = f"Post {mapping.wp_id}"
        comments = {}
        for raw in raw_comments:
            kind = raw.get("wp:comment_type", "").strip() or "comment"
            approved = raw.get("wp:comment_approved", "1").strip()
            if kind != "comment":
                self.summary.count("comments", "skipped", kind)
            elif approved not in STATES:
                self.summary.count("comments", "skipped", f"status {approved}")
            else:
                comments[number(raw.get("wp:comment_id"))] = raw
        parent_of = self.parents(comments, what)
        children = defaultdict(list)
        for wp_id, parent in parent_of.items():
            children[parent].append(wp_id)
        self.drop_lone_trash(comments, parent_of, children)

        def when(wp_id):
            raw = comments[wp_id]
            date = wp_date(raw.get("wp:comment_date_gmt"), raw.get("wp:comment_date"))
            return (date or timezone.now(), wp_id)

        existing = {
            m.wp_id: m
            for m in WordPressComment.objects.filter(post=mapping).select_related("comment")
        }
        placed, hangs_under, self.new_mappings = {}, {}, []
        # Depth first: parents before replies, replies to one comment in date order.
        stack = sorted(children[0], key=when, reverse=True)
        while stack:
            wp_id = stack.pop()
            target = parent_of[wp_id]
            if target:
                while placed[target].level >= IMPORT_DEEPEST:
                    target = hangs_under[target]
                if target != parent_of[wp_id]:
                    self.summary.warn(
                        f"{what}: comment {wp_id} is more than {IMPORT_DEEPEST + 1} levels "
                        "deep; it follows its thread at the deepest level."
                    )
            placed[wp_id] = self.import_one(
                mapping, digest, wp_id, comments[wp_id], placed.get(target), existing.get(wp_id)
            )
            hangs_under[wp_id] = target
            stack.extend(sorted(children[wp_id], key=when, reverse=True))
        WordPressComment.objects.bulk_create(self.new_mappings)

    def parents(self, comments, what):
        """wp_id → parent wp_id (0 at the top); missing parents and loops become top level."""
        parent_of = {}
        for wp_id, raw in comments.items():
            parent = number(raw.get("wp:comment_parent"))
            if parent and parent not in comments:
                self.summary.warn(
                    f"{what}: comment {wp_id} replies to comment {parent}, which is not "
                    "imported; placed at the top level."
                )
                parent = 0
            parent_of[wp_id] = parent
        for wp_id in parent_of:
            seen, node = set(), wp_id
            while parent_of[node]:
                if node in seen:
                    self.summary.warn(f"{what}: comment {node} is in a loop of replies; cut there.")
                    parent_of[node] = 0
                    break
                seen.add(node)
                node = parent_of[node]
        return parent_of

    def drop_lone_trash(self, comments, parent_of, children):
        """Trashed comments stay only as placeholders for the replies below them."""
        trashed = {
            wp_id for wp_id, raw in comments.items()
            if STATES[raw["wp:comment_approved"].strip()] == DigestComment.State.REMOVED
        }  # fmt: skip
        changed = True
        while changed:
            changed = False
            for wp_id in sorted(trashed):
                if not children[wp_id]:
                    trashed.discard(wp_id)
                    children[parent_of.pop(wp_id)].remove(wp_id)
                    del comments[wp_id]
                    self.summary.count("comments", "skipped", "trash")
                    changed = True

    def import_one(self, mapping, digest, wp_id, raw, parent, existing):
        state = STATES[raw["wp:comment_approved"].strip()]
        text = long_text(raw.get("wp:comment_content", ""))
        submitted = wp_date(raw.get("wp:comment_date_gmt"), raw.get("wp:comment_date"))
        values = {
            "user_name": truncate(html.unescape(raw.get("wp:comment_author", "")), 245)
            or "Anonymous",
            "user_email": truncate(raw.get("wp:comment_author_email", ""), 254),
            "user_url": checked_url(
                without_credentials(truncate(raw.get("wp:comment_author_url", ""), 500)), 200
            ),
            "ip_address": ip_or_none(raw.get("wp:comment_author_IP", "")),
            "comment": text,
            "comment_html": render_comment_text(text),
            "submit_date": submitted or digest.published_at or timezone.now(),
            "state": state,
            "user": self.users_by_wp_id.get(number(raw.get("wp:comment_user_id"))),
        }
        if state == DigestComment.State.REMOVED:
            values.update(placeholder_fields())
        read = source_hash(raw)
        if existing is not None:
            comment = existing.comment
            if existing.source_hash == read:
                self.summary.count("comments", "unchanged")
                return comment
            for attribute, value in values.items():
                setattr(comment, attribute, value)
            comment.save()
            WordPressComment.objects.filter(pk=existing.pk).update(source_hash=read)
            self.summary.count("comments", "updated")
            return comment
        comment = create_comment(digest, parent, deepest=IMPORT_DEEPEST, **values)
        self.new_mappings.append(
            WordPressComment(post=mapping, wp_id=wp_id, comment=comment, source_hash=read)
        )
        self.summary.count("comments", "created")
        return comment


def ip_or_none(value):
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None
