from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.urls import reverse


class TestIdPAdapter(DefaultOIDCAdapter):
    """Standard profile claims, plus `picture` and `profile` pages served by this provider."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if "profile" in scopes:
            username = user.get_username()
            claims["picture"] = self.request.build_absolute_uri(
                reverse("avatar", kwargs={"username": username})
            )
            claims["profile"] = self.request.build_absolute_uri(
                reverse("person", kwargs={"username": username})
            )
        return claims
