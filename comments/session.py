"""What a reader's browser keeps about their own comments: the session's list of comments
they wrote (pending ones are shown to them alone) and the opt-in "remember me" cookie.

Nothing here imports the rest of the app: the page cache (caching/) reads these names to
tell a personal request from one every reader may share.
"""

from django.conf import settings
from django.core import signing

OWN_COMMENTS = "own_comments"
REMEMBER_COOKIE = "comment_author"


def remember_own(request, comment):
    """The session keeps the reader's own comments, so they see them while pending."""
    own = request.session.get(OWN_COMMENTS, {})
    own[str(comment.pk)] = int(comment.submit_date.timestamp())
    request.session[OWN_COMMENTS] = own


def own_comment_ids(request):
    return {int(pk) for pk in request.session.get(OWN_COMMENTS, {})}


def remember_author(response, form):
    """Opt-in: keep name, email and website in a signed cookie for next time (a year)."""
    data = form.cleaned_data
    if "remember" not in form.fields:
        return
    if data.get("remember"):
        value = {"name": data["name"], "email": data["email"], "url": data.get("url", "")}
        response.set_signed_cookie(
            REMEMBER_COOKIE, signing.dumps(value), salt=REMEMBER_COOKIE,
            max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )  # fmt: skip
    else:
        response.delete_cookie(REMEMBER_COOKIE)


def remembered_author(request):
    try:
        raw = request.get_signed_cookie(REMEMBER_COOKIE, salt=REMEMBER_COOKIE)
        value = signing.loads(raw)
    except (KeyError, signing.BadSignature):
        return {}
    return {k: value.get(k, "") for k in ("name", "email", "url")} | {"remember": True}
