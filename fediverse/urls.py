from django.urls import path

import blog.converters  # noqa: F401  (the <id:…> converter)

from . import views

app_name = "fediverse"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("fediverse/actor", views.actor, name="actor"),
    path("fediverse/inbox", views.inbox_view, name="inbox"),
    path("fediverse/outbox", views.outbox, name="outbox"),
    path("fediverse/followers", views.followers, name="followers"),
    path("fediverse/digests/<id:pk>", views.article, name="article"),
    path("fediverse/comments/<id:pk>", views.note, name="note"),
]
