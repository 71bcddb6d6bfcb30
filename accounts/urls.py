from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    path("delete/", views.DeleteAccountView.as_view(), name="delete"),
]
