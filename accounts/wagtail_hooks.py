"""Wagtail's own user views, made to sign a deactivated or deleted member out at once.

Wagtail's user edit form, its bulk "set active state" and its deletes write the
user row themselves; these hooks hand the rest to ``accounts.services``: the
audit entry, the end of the member's sessions and the closing of their live
sockets on every process.
"""

from django.contrib.auth import get_user_model
from wagtail import hooks

from accounts import services

User = get_user_model()


@hooks.register("before_edit_user")
def remember_active_state(request, user):
    request.member_was_active = user.is_active


@hooks.register("after_edit_user")
def sign_out_when_deactivated(request, user):
    if getattr(request, "member_was_active", False) and not user.is_active:
        services.member_deactivation_record(actor=request.user, user=user)


@hooks.register("before_delete_user")
def sign_out_before_delete(request, user):
    if request.method == "POST":
        services.member_sign_out_everywhere(actor=request.user, user=user)


@hooks.register("before_bulk_action")
def before_bulk_user_action(request, action_type, objects, action_class_instance):
    users = [obj for obj in objects if isinstance(obj, User)]
    if request.method != "POST" or not users:
        return
    if action_type == "delete":
        for user in users:
            services.member_sign_out_everywhere(actor=request.user, user=user)
    elif action_type == "set_active_state":
        request.members_active = {user.pk for user in users if user.is_active}


@hooks.register("after_bulk_action")
def after_bulk_user_action(request, action_type, objects, action_class_instance):
    active_before = getattr(request, "members_active", None)
    if action_type != "set_active_state" or not active_before:
        return
    for user in User.objects.filter(pk__in=active_before, is_active=False):
        services.member_deactivation_record(actor=request.user, user=user)
