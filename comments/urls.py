from django.urls import path

from . import subscriptions, views

app_name = "comments"

urlpatterns = [
    path("post/", views.PostCommentView.as_view(), name="post"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("subscribe/", subscriptions.SubscribeView.as_view(), name="subscribe"),
    path(
        "subscribe/<str:token>/",
        subscriptions.SubscriptionConfirmView.as_view(),
        name="subscribe-confirm",
    ),
    path("unsubscribe/<str:token>/", subscriptions.UnsubscribeView.as_view(), name="unsubscribe"),
]
