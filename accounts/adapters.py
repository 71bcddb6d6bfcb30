"""How django-allauth behaves here: who may sign up, what an identity may claim, where
a reader goes back to when a sign-in fails or is refused, and how its mail is sent."""

from uuid import uuid4

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _

from blog import siteversion
from mailer.outbox import URGENT, send_all_after_commit


class AccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url):
        """allauth's check of a `next` address, which every redirect of log-in, log-out,
        password reset and the providers goes through; one urllib cannot parse (`//[`, a
        port out of range) is unsafe rather than a 500."""
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def is_open_for_signup(self, request):
        """Sign-up with a local password only when ACCOUNTS_PASSWORD_SIGNUP is on."""
        return settings.ACCOUNTS_PASSWORD_SIGNUP

    def send_mail(self, template_prefix, email, context):
        """allauth's mails (address confirmation, password reset) go out from the worker too.

        Each call is an event of its own: a reader who asks twice gets two codes or links.
        """
        message = self.render_mail(template_prefix, email, self._mail_context(email, context))
        key = f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid4().hex}"
        send_all_after_commit(key, [message], priority=URGENT)

    def _mail_context(self, email, context):
        """What allauth's own send_mail adds before rendering."""
        request = allauth_context.request
        site = get_current_site(request)
        return {"request": request, "email": email, "current_site": site, **context}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        """Any identity from a configured provider may make an account (never a staff one)."""
        return True

    def list_apps(self, request, provider=None, client_id=None):
        """allauth's list of configured apps, without first looking up the Site row: the
        blog is one site, so every social application in the admin counts. Read once per
        site version in each process (a social application saved or deleted renews it:
        accounts.signals), so the pages that offer the providers read none."""
        configured = super().list_apps
        key = ("social-apps", provider, client_id)
        return list(siteversion.kept(request, key, lambda: configured(None, provider, client_id)))

    def populate_user(self, request, sociallogin, data):
        """The account keeps the provider's address only if the provider says it is verified:
        comment mails go to it, and it counts towards an address's approved comments."""
        user = super().populate_user(request, sociallogin, data)
        sociallogin.email_addresses[:] = [a for a in sociallogin.email_addresses if a.verified]
        verified = {a.email.casefold() for a in sociallogin.email_addresses}
        if user.email and user.email.casefold() not in verified:
            user.email = ""
        return user

    def pre_social_login(self, request, sociallogin):
        """Count finished provider sign-ins per IP in the shared cache (ACCOUNT_RATE_LIMITS).

        The provider's callback is a GET, which allauth's public consume() never counts.
        """
        if not ratelimit.consume(
            request, app="allauth.account", action="social_login", limit_get=True
        ):
            response = render(request, "accounts/too_many.html", status=429)
            raise ImmediateHttpResponse(response)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """Back to the page the reader came from (e.g. the digest's comment form), saying why.

        Without a page to go back to (an expired or forged state), allauth's error page shows.
        """
        state = (extra_context or {}).get("state") or {}
        next_url = state.get("next")
        if not next_url or not get_adapter(request).is_safe_url(next_url):
            return
        name = provider.name if provider else _("that site")
        if error == AuthError.CANCELLED:
            messages.info(
                request,
                _(
                    "You cancelled logging in with %(name)s, so nothing was shared with this "
                    "site. You can still comment as a guest, or log in again."
                )
                % {"name": name},
            )
        else:
            messages.error(
                request,
                _("Logging in with %(name)s did not work. Try again, or comment as a guest.")
                % {"name": name},
            )
        raise ImmediateHttpResponse(HttpResponseRedirect(next_url))
