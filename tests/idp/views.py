import io

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.html import format_html
from PIL import Image


def avatar(request, username):
    """A user's picture: a solid square whose colour the tests can check."""
    get_object_or_404(get_user_model(), username=username)
    out = io.BytesIO()
    Image.new("RGB", (96, 96), (200, 40, 120)).save(out, "PNG")
    return HttpResponse(out.getvalue(), content_type="image/png")


def person(request, username):
    user = get_object_or_404(get_user_model(), username=username)
    return HttpResponse(format_html("<h1>{}</h1>", user.get_full_name()))
