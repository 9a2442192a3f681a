"""Fill the platform with a demo consortium: cities, members, discussions, needs, pages.

Each domain keeps its demo data in its own module: an installed app's
``demo.py`` and any ``demo_<name>.py`` beside it, each with a
``seed(demo: accounts.demo.Demo)`` function. They run in the order of
``INSTALLED_APPS`` (within an app, ``demo`` first, then the others by name),
in one transaction, so a later module can use what an earlier one kept in
``demo``.

Idempotent: running it again changes nothing that exists. Demo members are
the users of the demo OpenID provider (``accounts/demo_idp/users.json``),
linked to it by their ``sub`` as a first sign-in would.
"""

import pkgutil
from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import Demo


def demo_modules() -> Iterator[ModuleType]:
    """Every installed app's demo modules, in the order ``seed_demo`` runs them."""
    for config in apps.get_app_configs():
        names = sorted(
            info.name
            for info in pkgutil.iter_modules([config.path])
            if info.name == "demo" or info.name.startswith("demo_")
        )
        for name in names:
            module = import_module(f"{config.name}.{name}")
            if callable(getattr(module, "seed", None)):
                yield module


class Command(BaseCommand):
    help = "Create a demo consortium: cities, members, discussions, needs, meetings and pages."

    @transaction.atomic
    def handle(self, *args, **options):
        demo = Demo()
        for module in demo_modules():
            module.seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
