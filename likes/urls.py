from django.urls import path

from . import views

app_name = "likes"

urlpatterns = [path("<str:pk>/", views.LikeView.as_view(), name="like")]
