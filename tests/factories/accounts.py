import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    """A dashboard user, known by an OIDC subject (as after their first token)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"logto_user{n}")
    oidc_subject = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(None)
