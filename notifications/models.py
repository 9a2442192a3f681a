"""Notifications: a kind and its parameters, never a sentence.

A notification is rendered when it is read or e-mailed, in the reader's
language, by the kind it names (``notifications.kinds``); its target is
re-checked against the reader's read rule at that moment.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # What the notification is about, checked against the reader's read rule
    # each time it is shown or e-mailed: a target type registered in
    # ``notifications.kinds`` and the target's primary key.
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notifications_unread"),
            models.Index(fields=["target_type", "target_id"], name="notifications_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Mute(models.Model):
    """A member's choice to hear nothing from another member: no notification
    whose actor they muted reaches them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes"
    )
    muted = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_by"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "muted"], name="mute_unique"),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("muted")), name="mute_not_oneself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.muted_id}"
