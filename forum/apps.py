from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from forum import notification_kinds  # noqa: F401  (registers the forum's kinds)
        from forum.mentions import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="forum_fold")
