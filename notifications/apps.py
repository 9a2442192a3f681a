from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from notifications import services
        from notifications.models import Notification

        for signal in (post_save, post_delete):
            signal.connect(
                services.notification_changed,
                sender=Notification,
                dispatch_uid=f"notifications_unread_{signal is post_save}",
            )
