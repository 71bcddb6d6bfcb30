from django.urls import path, register_converter

from . import views

app_name = "blog"


class FourDigitConverter:
    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


class TwoDigitConverter(FourDigitConverter):
    """Zero-padded like WordPress permalinks (/2017/01/05/…), so old links keep working."""

    regex = "[0-9]{2}"

    def to_url(self, value):
        return f"{int(value):02d}"


register_converter(FourDigitConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")

urlpatterns = [
    path("", views.DigestListView.as_view(), name="digest-list"),
    path("<yyyy:year>/<mm:month>/<mm:day>/<slug:slug>/", views.DigestDetailView.as_view(), name="digest-detail"),
    path("preview/<int:pk>/", views.DigestPreviewView.as_view(), name="digest-preview"),
]
