"""The number of leads in each state (Lead.objects.kept_counts_by_state()), kept in the database
(StateCount, a row per state), so that neither the list pages nor the dashboard count a million
rows per request, and a cache flush or a new cache server loses no count.

Every saved or deleted lead adjusts the count of its state inside its own transaction (the
receivers in leads/signals.py call adjust()): a change that rolls back counts nothing, and one
that commits is counted by the same commit. The trade-off, on PostgreSQL: a lead's change keeps
its state's row locked until it commits, so changes of leads in the same state commit one after
another (test_concurrency.py runs eight clients at once). SQLite writes one transaction at a time
anyway, and this saves the second write that a counter in the cache took.

The dashboard's other numbers (past weeks, the median time to reach out) are kept in the cache
and adjusted once the change commits, by leads/dashboard.py (which reads these counts: this
module imports nothing of it)."""

from django.db import transaction
from django.db.models import F

from .models import Lead, StateCount

# What a change of these fields can change in the counts and the dashboard's numbers.
COUNTED_FIELDS = ["state", "created_at", "reached_out_at"]


def kept_counts_by_state():
    """Lead.objects.counts_by_state() of all leads, from the kept counts: one query of a row per
    state. Counted again if a state has no row (a new state, a test's emptied database)."""
    kept = dict(StateCount.objects.values_list("state", "leads"))
    if not set(Lead.State.values) <= kept.keys():
        return count_again()
    return {state: kept[state] for state in Lead.State.values}


def count_again():
    """Count the leads per state and keep the counts. For writes that bypass the models' signals
    (seed_leads's bulk insert, which also has the dashboard count again) and for lost rows."""
    with transaction.atomic():
        counts = Lead.objects.counts_by_state()
        for state, leads in counts.items():
            StateCount.objects.update_or_create(state=state, defaults={"leads": leads})
    return counts


def counted(lead):
    """What the counts know of `lead`: its (state, created_at, reached_out_at)."""
    return tuple(getattr(lead, name) for name in COUNTED_FIELDS)


def adjust(before, after):
    """Adjust the counts to one lead going from `before` to `after` (each as counted() gives it,
    or None when there is no such lead), in the changing transaction."""
    if before == after:
        return
    moved = {}
    if before is None or after is None or before[0] != after[0]:
        for counted_lead, delta in ((before, -1), (after, 1)):
            if counted_lead is not None:
                moved[counted_lead[0]] = moved.get(counted_lead[0], 0) + delta
    # The same order in every transaction, so that two leads moving opposite ways cannot each
    # hold the row that the other waits for (a deadlock, on PostgreSQL).
    for state in sorted(moved):
        StateCount.objects.filter(state=state).update(leads=F("leads") + moved[state])
