"""The reader's pages: posting.py (post, confirm), editing.py (edit, delete) and
subscriptions.py (subscribe, unsubscribe). Views take requests and answer them; what they
decide with is comments.moderation, what they do is comments.services and comments.actions.
What a reader's browser session keeps about their comments is comments.session.
"""
