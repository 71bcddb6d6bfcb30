from django.urls import path

from . import views

app_name = "followers"

urlpatterns = [
    path("", views.FollowView.as_view(), name="follow"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="unsubscribe"),
]
