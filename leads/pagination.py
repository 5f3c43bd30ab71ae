"""Pages of a list of leads, for the attorneys' list page and GET /get."""

from django.core.paginator import Paginator


class LeadPaginator(Paginator):
    """Django's Paginator, reading a page in two queries: the ids of its leads, then those leads.

    The ids alone come from an index that holds the filter's state, the sort's columns and the
    id (Lead.Meta.indexes), read in order, and skipping the earlier rows (OFFSET) reads that
    index alone. Reading whole leads at once, PostgreSQL fetched every skipped row from the
    table (page 20,000 of a million leads took 1.1 s; 48 ms this way), and it chose the index
    that only sorts over the one that also picks the state: the pending leads by reached_out_at
    (none has one, so they sort after the 300,000 reached-out ones) took 360 ms, 0.1 ms this
    way (bench/million.py). The second query costs a fraction of a millisecond."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        # The same query (columns, order) narrowed to those ids: its filters again, over them.
        return self._get_page(list(self.object_list.filter(pk__in=ids)), number, self)
