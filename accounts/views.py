from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from comments.models import DigestComment

from .deletion import delete_account
from .models import Profile


class AccountView(LoginRequiredMixin, TemplateView):
    """A reader's account: the identity they comment under, its connections, and the exits."""

    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        connections = list(SocialAccount.objects.filter(user=user).order_by("provider"))
        return super().get_context_data(
            profile=Profile.objects.filter(user=user).first(),
            connections=connections,
            # Without a password, the last connection is the only way in: it goes with
            # the account, not alone.
            can_disconnect_last=user.has_usable_password(),
            comment_count=DigestComment.objects.filter(user=user).count(),
            **kwargs,
        )


class DeleteAccountView(LoginRequiredMixin, View):
    """Delete one's own account after a confirmation page (POST only does it)."""

    template_name = "accounts/delete.html"

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        user = request.user
        if user.is_staff or user.is_superuser:
            messages.error(request, _("Editors' accounts are removed by an administrator."))
            return redirect("accounts:account")
        delete_account(user)
        logout(request)
        messages.info(request, _("Your account is deleted. Thank you for your comments."))
        return redirect("blog:digest-list")

    def context(self, request):
        return {
            "keeps_name": settings.ACCOUNTS_DELETED_COMMENTS == "keep",
            "anonymous_name": settings.ACCOUNTS_ANONYMOUS_NAME,
            "comment_count": DigestComment.objects.filter(user=request.user).count(),
            "is_editor": request.user.is_staff or request.user.is_superuser,
        }
