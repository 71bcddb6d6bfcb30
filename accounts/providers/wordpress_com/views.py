"""WordPress.com's OAuth2 endpoints (developer.wordpress.com/docs/oauth2/).

The base address is SOCIALACCOUNT_PROVIDERS["wordpress_com"]["API_URL"], read on each
request, so tests can point it at a stand-in on loopback.
"""

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)

API_URL = "https://public-api.wordpress.com"


class WordPressComOAuth2Adapter(OAuth2Adapter):
    provider_id = "wordpress_com"

    @property
    def api_url(self):
        provider = self.get_provider()
        url = provider.app.settings.get("api_url") or provider.get_settings().get("API_URL")
        return (url or API_URL).rstrip("/")

    @property
    def authorize_url(self):
        return f"{self.api_url}/oauth2/authorize"

    @property
    def access_token_url(self):
        return f"{self.api_url}/oauth2/token"

    @property
    def profile_url(self):
        return f"{self.api_url}/rest/v1/me"

    def complete_login(self, request, app, token, **kwargs):
        headers = {"Authorization": f"Bearer {token.token}"}
        with get_adapter().get_requests_session() as session:
            answer = session.get(self.profile_url, headers=headers)
            answer.raise_for_status()
            data = answer.json()
        return self.get_provider().sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(WordPressComOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WordPressComOAuth2Adapter)
