from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import dashboard
from .models import Lead, Resubmission, delete_cv_file_on_commit, state_count_key

# What a change of these fields can change in the counts and the dashboard's numbers.
COUNTED_FIELDS = ["state", "created_at", "reached_out_at"]


@receiver(pre_save, sender=Lead)
def remember_stored_state(instance, update_fields=None, **kwargs):
    """Read what the counts know of a lead about to be updated (its stored state, date and
    reach-out), inside the saving transaction: services lock the row first, so two changes at
    once each see what the other left. New leads cost no query: the public intake is not slowed."""
    instance._counted_before = None
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(COUNTED_FIELDS):
        return
    instance._counted_before = (
        Lead.objects.filter(pk=instance.pk).values_list(*COUNTED_FIELDS).first()
    )


@receiver(post_save, sender=Lead)
def count_saved_lead(instance, created, **kwargs):
    """Adjust the counts (and the dashboard's numbers) to a new lead or a changed state, once the
    change is committed: until then, other requests see the stored leads the counts are of."""
    before = None if created else getattr(instance, "_counted_before", None)
    if not created and before is None:
        return
    after = tuple(getattr(instance, name) for name in COUNTED_FIELDS)
    _on_commit(lambda: _adjust_counts(before, after))


@receiver(post_delete, sender=Lead)
def count_deleted_lead(instance, **kwargs):
    before = tuple(getattr(instance, name) for name in COUNTED_FIELDS)
    _on_commit(lambda: _adjust_counts(before, None))


def _adjust_counts(before, after):
    """One lead went from `before` to `after` (each a (state, created_at, reached_out_at), or
    None when there is no such lead): atomic increments, so that concurrent changes on several
    hosts all count. A counter the cache has lost is counted again when next read."""
    if before == after:
        return
    for counted, delta in ((before, -1), (after, 1)):
        if counted is None:
            continue
        state, created_at, _ = counted
        if before is None or after is None or before[0] != after[0]:
            _add(state_count_key(state), delta)
        if before is None or after is None or before[1] != after[1]:
            if key := dashboard.past_week_key(created_at):
                _add(key, delta)
    if _time_to_reach_out(before) != _time_to_reach_out(after):
        dashboard.reached_out_leads_changed()


def _time_to_reach_out(counted):
    """What the median time to reach out reads of a lead: its dates if it was reached out."""
    if counted is None:
        return None
    state, created_at, reached_out_at = counted
    if state != Lead.State.REACHED_OUT or reached_out_at is None:
        return None
    return created_at, reached_out_at


def _add(key, delta):
    try:
        cache.incr(key, delta)
    except ValueError:
        pass  # not cached: counted afresh when next read
    except Exception:
        # The cache failed: drop the counter rather than leave it wrong (if that fails too, its
        # expiry heals it), then let the commit hook log the error.
        cache.delete(key)
        raise


def _on_commit(callback):
    # robust: the change is committed; a cache that fails now must not turn it into an error.
    # (Django logs the failure by the callback's __qualname__, which a functools.partial lacks.)
    transaction.on_commit(callback, robust=True)


def forget_cached_counts():
    """Drop the counts and the dashboard's numbers (for changes that send no signals, such as
    bulk inserts): they are counted again when next read."""
    keys = [*map(state_count_key, Lead.State.values), *dashboard.cache_keys()]
    _on_commit(lambda: cache.delete_many(keys))


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
