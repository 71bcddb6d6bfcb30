from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/", views.PostCommentView.as_view(), name="post"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
]
