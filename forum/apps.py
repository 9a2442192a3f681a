from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        from forum import notification_kinds  # noqa: F401  (registers the forum's kinds)
        from forum.mentions import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="forum_fold")

        from accounts.models import Organisation
        from forum import category_rules
        from forum.models import Category

        post_save.connect(category_rules.changed, sender=Category, dispatch_uid="forum_rules_save")
        post_delete.connect(
            category_rules.changed, sender=Category, dispatch_uid="forum_rules_delete"
        )
        post_delete.connect(
            category_rules.changed, sender=Organisation, dispatch_uid="forum_rules_org"
        )
        m2m_changed.connect(
            category_rules.changed,
            sender=Category.read_organisations.through,
            dispatch_uid="forum_rules_m2m",
        )
        # A data migration writes through historical models, which send no signal
        # the receivers above hear.
        post_migrate.connect(category_rules.changed, dispatch_uid="forum_rules_migrate")

        # What a kept page of posts shows besides its thread's events (forum.fragments).
        from accounts.models import User
        from forum import fragments
        from forum.models import Attachment, Post, Reaction

        for model in (User, Organisation, Post, Attachment, Reaction):
            for signal in (post_save, post_delete):
                signal.connect(
                    fragments.content_changed,
                    sender=model,
                    dispatch_uid=f"forum_content_{signal is post_save}_{model.__name__}",
                )
        post_migrate.connect(fragments.content_changed, dispatch_uid="forum_content_migrate")

        # What changes the threads a list shows, or their order (forum.list_cache).
        from taggit.models import Tag

        from forum import list_cache
        from forum.models import TaggedThread, Thread, Watch

        for model in (Thread, TaggedThread, Watch):
            for signal in (post_save, post_delete):
                signal.connect(
                    list_cache.changed,
                    sender=model,
                    dispatch_uid=f"forum_lists_{signal is post_save}_{model.__name__}",
                )
        # A new post moves its thread up: renewed with its event (forum.events.thread_event).
        # taggit announces its tags as a many-to-many change of their table.
        for through in (Thread.audience_organisations.through, TaggedThread):
            m2m_changed.connect(
                list_cache.changed,
                sender=through,
                dispatch_uid=f"forum_lists_m2m_{through.__name__}",
            )
        # A tag renamed is listed under its new name.
        post_save.connect(list_cache.changed, sender=Tag, dispatch_uid="forum_lists_tag")
        post_migrate.connect(list_cache.changed, dispatch_uid="forum_lists_migrate")
