from django.urls import path

from . import views

app_name = "composer"
urlpatterns = [
    path("describe/", views.describe, name="describe"),
    path("poster/", views.poster, name="poster"),
    path("save/", views.save, name="save"),
]
