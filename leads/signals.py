from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .dashboard import DASHBOARD_CACHE_KEY
from .models import STATE_COUNTS_CACHE_KEY, Lead, Resubmission, delete_cv_file_on_commit


@receiver(post_save, sender=Lead)
@receiver(post_delete, sender=Lead)
def forget_state_counts(**kwargs):
    """Drop the cached per-state counts and dashboard numbers once the change is committed: until
    then, other requests see the stored leads the cached numbers are of. (A request that counted
    before the commit and stores its numbers after this can keep them until their short expiry.)
    """
    forget_cached_counts()


def forget_cached_counts():
    keys = [STATE_COUNTS_CACHE_KEY, DASHBOARD_CACHE_KEY]
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


@receiver(post_delete, sender=Lead)
@receiver(post_delete, sender=Resubmission)
def delete_cv_file(instance, **kwargs):
    """A deleted lead's CV (or its resubmissions', deleted with it) is personal data too: remove
    the file once the deletion commits."""
    if instance.cv:
        delete_cv_file_on_commit(instance.cv.storage, instance.cv.name)


@receiver(user_logged_out)
def say_signed_out(request, **kwargs):
    """The sign-in page the attorney lands on says that signing out worked."""
    if request is not None:
        messages.info(request, "You have signed out.", fail_silently=True)
