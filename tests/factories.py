"""One factory per model, with sensible defaults."""

from datetime import date

import factory
from factory.django import DjangoModelFactory

from accounts.models import Organisation, Role, User, UserRole
from forum.models import Category, Domain, Post, Publicity, Thread


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city-{n}")
    name_fi = factory.LazyAttribute(lambda o: o.slug.title())
    name_sv = factory.LazyAttribute(lambda o: o.slug.title())
    name_en = factory.LazyAttribute(lambda o: o.slug.title())
    population = 20_000
    joined_on = date(2026, 1, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member-{n}")
    handle = factory.Sequence(lambda n: f"member{n}")
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    display_name = factory.Faker("name", locale="fi_FI")
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            UserRole.objects.bulk_create([UserRole(user=self, role=role) for role in extracted])
            self.__dict__.pop("role_set", None)


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_fi = factory.LazyAttribute(lambda o: f"Alue {o.slug}")
    name_sv = factory.LazyAttribute(lambda o: f"Område {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Area {o.slug}")
    domain = Domain.ICT


class ThreadFactory(DjangoModelFactory):
    class Meta:
        model = Thread

    category = factory.SubFactory(CategoryFactory)
    title = factory.Sequence(lambda n: f"Thread {n}")
    author = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.author.organisation)
    publicity = Publicity.INTERNAL


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    thread = factory.SubFactory(ThreadFactory)
    number = factory.Sequence(lambda n: n + 1)
    author = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.author.organisation)
    body = "A post."
    html = "<p>A post.</p>"


MEMBER_CITIES = [
    "hameenlinna",
    "pori",
    "porvoo",
    "seinajoki",
    "kajaani",
    "heinola",
    "kankaanpaa",
    "paimio",
]


def seed_organisations() -> dict[str, Organisation]:
    organisations = {slug: OrganisationFactory(slug=slug) for slug in MEMBER_CITIES}
    organisations["consortium-office"] = OrganisationFactory(
        slug="consortium-office", kind=Organisation.Kind.OFFICE
    )
    return organisations


__all__ = ["Role"]
