from django.urls import include, path

from blog import converters  # noqa: F401 (registers the id, yyyy and mm converters)

from . import feeds
from .views import editing, posting, subscriptions

app_name = "comments"

# Included at the site's root (config.urls): the per-digest feed sits under the digest's
# own address, everything else under comments/.
urlpatterns = [
    path(
        "comments/",
        include(
            [
                path("post/", posting.PostCommentView.as_view(), name="post"),
                path("confirm/<str:token>/", posting.ConfirmView.as_view(), name="confirm"),
                path("<id:pk>/edit/", editing.EditCommentView.as_view(), name="edit"),
                path("<id:pk>/delete/", editing.DeleteCommentView.as_view(), name="delete"),
                path("feed/", feeds.LatestCommentsFeed(), name="feed"),
                path("subscribe/", subscriptions.SubscribeView.as_view(), name="subscribe"),
                path(
                    "subscribe/<str:token>/",
                    subscriptions.SubscriptionConfirmView.as_view(),
                    name="subscribe-confirm",
                ),
                path(
                    "unsubscribe/<str:token>/",
                    subscriptions.UnsubscribeView.as_view(),
                    name="unsubscribe",
                ),
            ]
        ),
    ),
    path(
        "<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/feed/",
        feeds.DigestCommentsFeed(),
        name="digest-feed",
    ),
]
