from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    """A person: staff in the admin, or a dashboard user known by their OIDC subject.

    Dashboard users are created on first sight of a Logto access token (`oidc_subject` is the
    token's `sub`); staff may also have a password for the admin.
    """

    oidc_subject = models.CharField(
        "OIDC subject", max_length=255, unique=True, null=True, blank=True
    )
    name = models.CharField(max_length=255, blank=True)
    picture_url = models.URLField("picture URL", max_length=1000, blank=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            # Members are added by email, so one address must mean one user.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username
