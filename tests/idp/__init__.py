"""The loopback OpenID Connect provider the browser tests sign in at (see serve.py)."""

# The blog's social application at this provider, and the one person who signs in there.
PROVIDER_ID = "testidp"
PROVIDER_NAME = "Test IdP"
CLIENT_ID = "digestblog"
CLIENT_SECRET = "digestblog-test-secret"  # noqa: S105
USERNAME = "ada"
PASSWORD = "analytical-engine-1843"  # noqa: S105
FIRST_NAME, LAST_NAME = "Ada", "Lovelace"
EMAIL = "ada@idp.example"
