from django.urls import path

from . import editing, feeds, views

app_name = "comments"

urlpatterns = [
    path("post/", views.PostCommentView.as_view(), name="post"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("<int:pk>/edit/", editing.EditCommentView.as_view(), name="edit"),
    path("<int:pk>/delete/", editing.DeleteCommentView.as_view(), name="delete"),
    path("feed/", feeds.LatestCommentsFeed(), name="feed"),
]
