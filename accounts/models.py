from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a reader's sign-in identity says about them, shown beside their comments.

    Filled from the identity provider on every sign-in (accounts.profiles); the avatar
    is a copy stored here, so pages never load it from the provider.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=150, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    # Where the avatar was copied from: fetched again only when the provider's address changes.
    avatar_source = models.URLField(max_length=2000, blank=True, editable=False)
    profile_url = models.URLField(
        max_length=500, blank=True, help_text=_("The reader's page at their identity provider.")
    )
    # Which connected account (provider id) the profile was last filled from.
    provider = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("display_name",)

    def __str__(self):
        return self.display_name or str(self.user)
