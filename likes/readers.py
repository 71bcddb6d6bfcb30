"""Who is liking: a signed-in reader's account, or a guest's random id in a signed cookie."""

import secrets

COOKIE = "liker"
SALT = "likes.guest"
COOKIE_AGE = 2 * 365 * 24 * 3600


def guest_id(request):
    """The guest's id from their signed cookie, or "" (none, or tampered with)."""
    return request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=COOKIE_AGE)


def who(request):
    """{"user": ...} or {"guest": ...} for a Like of this reader; None: a guest without an id."""
    if request.user.is_authenticated:
        return {"user": request.user}
    guest = guest_id(request)
    return {"guest": guest} if guest else None


def new_guest(request):
    """A fresh guest id, kept on the request until the response sets the cookie."""
    request.new_liker = secrets.token_urlsafe(18)
    return {"guest": request.new_liker}


def set_cookie(request, response):
    """Give a guest who just liked for the first time their cookie."""
    if getattr(request, "new_liker", ""):
        response.set_signed_cookie(
            COOKIE, request.new_liker, salt=SALT, max_age=COOKIE_AGE,
            secure=request.is_secure(), httponly=True, samesite="Lax",
        )  # fmt: skip
    return response
