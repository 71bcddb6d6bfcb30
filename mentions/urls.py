from django.urls import path

from . import views

app_name = "mentions"

urlpatterns = [
    path("webmention/", views.endpoint, name="endpoint"),
]
