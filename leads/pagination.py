"""Pages of a list of leads, for the attorneys' list page and GET /get."""

from django.core.paginator import Paginator


class LeadPaginator(Paginator):
    """Django's Paginator, reading a page in two queries: the ids of its leads, picked and sorted
    by the list's query, then those leads by their ids alone, with the columns of `shown` (a
    query of all leads: `Lead.objects.defer(...)`).

    The ids alone come from an index that holds the filter's state, the sort's columns and the
    id (Lead.Meta.indexes), read in order, and skipping the earlier rows (OFFSET) reads that
    index alone. Reading whole leads at once, PostgreSQL fetched every skipped row from the
    table (page 20,000 of a million leads took 1.1 s; 48 ms this way), and it chose the index
    that only sorts over the one that also picks the state: the pending leads by reached_out_at
    (none has one, so they sort after the 300,000 reached-out ones) took 360 ms, 0.1 ms this
    way (bench/million.py)."""

    def __init__(self, object_list, per_page, *, shown, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.shown = shown

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        # By id alone: with the list's filters and order again, SQLite read every lead of the
        # state through the sort's index to find these few (100 ms at a million).
        by_id = self.shown.order_by().in_bulk(ids)
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)
