"""WordPress.com sign-in, following django-allauth's provider API (allauth has none for it)."""

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import WordPressComOAuth2Adapter


class WordPressComAccount(ProviderAccount):
    """A WordPress.com user as /rest/v1/me describes them."""

    def get_profile_url(self):
        return self.account.extra_data.get("profile_URL")

    def get_avatar_url(self):
        return self.account.extra_data.get("avatar_URL")

    def to_str(self):
        return self.account.extra_data.get("display_name") or super().to_str()


class WordPressComProvider(OAuth2Provider):
    id = "wordpress_com"
    name = "WordPress.com"
    account_class = WordPressComAccount
    oauth2_adapter_class = WordPressComOAuth2Adapter
    pkce_enabled_default = True

    def get_default_scope(self):
        # "auth": sign-in only, with access to the /me endpoints and nothing else.
        return ["auth"]

    def extract_uid(self, data):
        return str(data["ID"])

    def extract_common_fields(self, data):
        return {
            "email": data.get("email"),
            "email_verified": data.get("email_verified"),
            "username": data.get("username"),
            "name": data.get("display_name"),
        }


provider_classes = [WordPressComProvider]
