"""The number of leads in each state (Lead.objects.cached_counts_by_state()), from counters in
the cache, so that neither the list pages nor the dashboard count a million rows per request.

Every saved or deleted lead adjusts them once the change commits (the receivers in
leads/signals.py call adjust_on_commit()), and the dashboard's numbers with them
(leads/dashboard.py)."""

from django.core.cache import cache
from django.db import transaction

from . import dashboard
from .models import Lead

STATE_COUNTS_CACHE_KEY = "leads:counts-by-state"
# The counters are counted again this often (a fraction of a second at a million leads), so that
# a miscount heals: a change committed while a recount ran, a cache error at a commit.
STATE_COUNTS_SECONDS = 10 * 60
# What a change of these fields can change in the counts and the dashboard's numbers.
COUNTED_FIELDS = ["state", "created_at", "reached_out_at"]


def cached_counts_by_state():
    """Lead.objects.counts_by_state() of all leads, from the counters in the cache. Counted when
    the cache has lost a counter, and every STATE_COUNTS_SECONDS in any case."""
    keys = {state: state_count_key(state) for state in Lead.State.values}
    cached = cache.get_many(keys.values())
    if len(cached) == len(keys):
        return {state: cached[key] for state, key in keys.items()}
    counts = Lead.objects.counts_by_state()
    for state, key in keys.items():
        if key in cached:
            counts[state] = cached[key]
        else:
            # add(), not set(): a counter that a change adjusted meanwhile is the newer one.
            cache.add(key, counts[state], STATE_COUNTS_SECONDS)
    return counts


def state_count_key(state):
    """The cache key of the number of leads in `state` (see cached_counts_by_state())."""
    return f"{STATE_COUNTS_CACHE_KEY}:{state}"


def counted(lead):
    """What the counts know of `lead`: its (state, created_at, reached_out_at)."""
    return tuple(getattr(lead, name) for name in COUNTED_FIELDS)


def adjust_on_commit(before, after):
    """Adjust the counts (and the dashboard's numbers) to one lead going from `before` to `after`
    (each as counted() gives it, or None when there is no such lead), once the change is
    committed: until then, other requests see the stored leads the counts are of."""
    _on_commit(lambda: _adjust(before, after))


def forget_cached_counts():
    """Drop the counts and the dashboard's numbers (for changes that send no signals, such as
    bulk inserts): they are counted again when next read."""
    keys = [*map(state_count_key, Lead.State.values), *dashboard.cache_keys()]
    _on_commit(lambda: cache.delete_many(keys))


def _adjust(before, after):
    """Atomic increments, so that concurrent changes on several hosts all count. A counter the
    cache has lost is counted again when next read."""
    if before == after:
        return
    for counted_lead, delta in ((before, -1), (after, 1)):
        if counted_lead is None:
            continue
        state, created_at, _ = counted_lead
        if before is None or after is None or before[0] != after[0]:
            _add(state_count_key(state), delta)
        if before is None or after is None or before[1] != after[1]:
            if key := dashboard.past_week_key(created_at):
                _add(key, delta)
    if _time_to_reach_out(before) != _time_to_reach_out(after):
        dashboard.reached_out_leads_changed()


def _time_to_reach_out(counted_lead):
    """What the median time to reach out reads of a lead: its dates if it was reached out."""
    if counted_lead is None:
        return None
    state, created_at, reached_out_at = counted_lead
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
