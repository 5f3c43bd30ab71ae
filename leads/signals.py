from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import counts, dashboard
from .cvs.storage import delete_cv_file_on_commit
from .models import Lead, Resubmission


@receiver(pre_save, sender=Lead)
def remember_counted_fields(instance, update_fields=None, **kwargs):
    """Read what the counts know of a lead about to be updated (its stored state, date and
    reach-out), inside the saving transaction: leads/lifecycle.py locks the row first, so two
    changes at once each see what the other left. New leads cost no query: the public intake is
    not slowed."""
    instance._counted_before = None
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(counts.COUNTED_FIELDS):
        return
    instance._counted_before = (
        Lead.objects.filter(pk=instance.pk).values_list(*counts.COUNTED_FIELDS).first()
    )


@receiver(post_save, sender=Lead)
def count_saved_lead(instance, created, **kwargs):
    """Adjust the counts to a new lead or a changed state in the saving transaction, and the
    dashboard's numbers once it commits (leads/counts.py, leads/dashboard.py)."""
    before = None if created else getattr(instance, "_counted_before", None)
    if not created and before is None:
        return
    after = counts.counted(instance)
    counts.adjust(before, after)
    dashboard.adjust(before, after)


@receiver(post_delete, sender=Lead)
def count_deleted_lead(instance, **kwargs):
    before = counts.counted(instance)
    counts.adjust(before, None)
    dashboard.adjust(before, None)


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
