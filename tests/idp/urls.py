from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("allauth.idp.urls")),
    path("accounts/", include("allauth.urls")),
    path("avatars/<str:username>.png", views.avatar, name="avatar"),
    path("people/<str:username>/", views.person, name="person"),
]
