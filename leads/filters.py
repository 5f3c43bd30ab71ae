"""The one filter model of the list of leads (django-filter): the attorneys' list page, its CSV
export and GET /get read the same query string the same way, so a link copied from one gives the
same leads in the others.

    search=amara okafor     words that each start a name, the email or a word of the CV
    state=PENDING           a state (Lead.State)
    attention=true          needing attention: pending for more than STALE_LEAD_DAYS days
    email=kate@example.com  one person's lead, however the address is spelled
    created_after=2026-03-10, created_before=2026-03-11T12:00:00Z
    ordering=-created_at    a column, "-" for descending

The page shows a parameter that does not validate as if it were left out; the API refuses it
with a 400 that names it.
"""

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.utils import timezone

from .counts import kept_counts_by_state
from .dashboard import stale_count
from .email_addresses import email_key
from .models import Lead
from .search import SEARCH_KEYS

# Column -> its label (the page's sortable headers).
ORDERINGS = {
    "created_at": "Submitted",
    "updated_at": "Updated",
    "reached_out_at": "Reached out",
    "first_name": "First name",
    "last_name": "Name",
    "email": "Email",
    "state": "State",
}


class EdgeIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, or a date (its midnight). A time too early or too late to exist in
    UTC (say 0001-01-01T00:00+04:45, a valid RFC 3339 date-time) means the earliest or latest
    time rather than an error: no lead is that old or that new either way."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and timezone.is_aware(value):
            # In UTC: PostgreSQL refuses an offset over 15:59 (say -21:37, valid in RFC 3339).
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:
                edge = datetime.datetime.min if value.year == 1 else datetime.datetime.max
                value = edge.replace(tzinfo=datetime.UTC)
        return value


class EdgeIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = EdgeIsoDateTimeField


class LeadFilterForm(forms.Form):
    """Refuses what the filters' own fields would quietly read as "no filter": a parameter sent
    empty ("?state=" is not every state) and a word that is not a boolean for `attention`."""

    NOT_EMPTY = ["state", "attention", "created_after", "created_before", "ordering"]
    BOOLEANS = {"true", "false", "1", "0"}

    def clean(self):
        for name in self.NOT_EMPTY:
            if self.data.get(name) == "":
                self.add_error(name, "Give a value, or leave the parameter out.")
        attention = self.data.get("attention")
        if attention and attention.lower() not in self.BOOLEANS:
            self.add_error("attention", "Use true or false.")
        return super().clean()


class LeadOrderingFilter(django_filters.ChoiceFilter):
    """Sorts by one column (ORDERINGS), "-" before it for descending. The last name sorts by
    first name next, and the id breaks ties, so that pages never overlap or skip a lead. Names
    and emails sort in any case ("van Dijk" among the V's), by their lower-cased copies, which
    the indexes read in order (search.SEARCH_KEYS, Lead.Meta.indexes): no sorting of a million
    leads per page."""

    def __init__(self, **kwargs):
        choices = [
            (f"{prefix}{name}", f"{label}{suffix}")
            for name, label in ORDERINGS.items()
            for prefix, suffix in (("", ""), ("-", ", descending"))
        ]
        super().__init__(choices=choices, **kwargs)

    def filter(self, leads, value):
        if not value:
            return leads
        descending, column = value.startswith("-"), value.lstrip("-")
        columns = [column, *(["first_name"] if column == "last_name" else []), "id"]
        sign = "-" if descending else ""
        return leads.order_by(*(f"{sign}{SEARCH_KEYS.get(name, name)}" for name in columns))


# The filters that pick among the leads the others leave: the page's tabs, and its sort.
PICKING = {"state", "attention", "ordering"}


class LeadFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text=(
            "Words that must each start the first name, last name or email, or a word of the "
            "CV's text, in any case (the search of the attorneys' list page)."
        ),
    )
    state = django_filters.ChoiceFilter(
        choices=Lead.State.choices, help_text="Leads in this state."
    )
    attention = django_filters.BooleanFilter(
        method="filter_attention",
        widget=django_filters.widgets.BooleanWidget,  # true/false, 1/0
        help_text=(
            f"true: only the leads that need attention (pending for more than STALE_LEAD_DAYS, "
            f"by default {settings.STALE_LEAD_DAYS}, days); false: only the others."
        ),
    )
    email = django_filters.CharFilter(
        method="filter_email",
        max_length=254,
        help_text="One email address, in any spelling (case, quotes, IDNA domain).",
    )
    created_after = EdgeIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Leads created at or after this time (a date means its midnight, UTC).",
    )
    created_before = EdgeIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="Leads created before this time (a date means its midnight, UTC).",
    )
    ordering = LeadOrderingFilter(
        help_text="Sort by this column; a leading '-' sorts descending. Default: -created_at.",
    )

    class Meta:
        model = Lead
        fields = []
        form = LeadFilterForm

    def get_form_class(self):
        """django-filter builds the form class, and a form field for each filter, for every
        FilterSet: most of the cost of reading a query string (0.4 ms of 0.5). None of this
        class's fields depends on the request or the data, so the class is built once and each
        form still gets its own copies of the fields (Django's forms copy base_fields)."""
        cls = type(self)
        if "_built_form_class" not in cls.__dict__:
            cls._built_form_class = super().get_form_class()
        return cls._built_form_class

    def filter_search(self, leads, name, value):
        return leads.search(value) if value else leads  # the form field has trimmed it

    def filter_attention(self, leads, name, value):
        if value:
            return leads.stale()
        return leads.exclude(pk__in=Lead.objects.stale().values("pk"))

    def filter_email(self, leads, name, value):
        return leads.filter(email_key=email_key(value)) if value else leads

    def filter_queryset(self, queryset):
        """django-filter's, with the narrowing filters (a search, an email, dates) first: what
        they leave is leads_in_any_state(), so that the page's leads and its tabs' counts share
        one search, whose CV words are looked up once."""
        leads = self._in_any_state = self._narrow(queryset)
        for name, value in self.form.cleaned_data.items():
            if name in PICKING:
                leads = self.filters[name].filter(leads, value)
        return leads

    def leads_in_any_state(self):
        """The leads this query matches before its state and attention filters (what the page's
        tabs count)."""
        leads = self.qs  # builds the page's query once, and this one on the way (if bound)
        return getattr(self, "_in_any_state", leads)

    def tab_counts(self):
        """(leads per state, how many need attention) among leads_in_any_state(), what the list
        page's tabs show: counted for a narrowed query, else from the kept counts
        (leads/counts.py), without counting a million leads."""
        if self.is_narrowed():
            return self.leads_in_any_state().counts_by_state_and_stale()
        counts = kept_counts_by_state()
        return counts, stale_count(counts)

    def total(self, counts=None, stale=None):
        """How many leads this query lists, from the tabs' numbers (`counts` and `stale`, as
        tab_counts() gives them; without them, the kept counts of a query that is not
        narrowed), or None when only a COUNT can tell (a narrowed query without its numbers,
        or attention together with a state). Spares the database a COUNT(*) over what the
        counts already hold: the list page and GET /get both take their total from here."""
        self.form.is_valid()
        chosen = self.form.cleaned_data
        if counts is None:
            if self.is_narrowed():
                return None
            counts = kept_counts_by_state()
        attention, state = chosen.get("attention"), chosen.get("state")
        if attention is None:
            return counts[state] if state else sum(counts.values())
        if attention and not state:  # the "Needs attention" tab
            return stale if stale is not None else stale_count(counts)
        return None

    def is_narrowed(self):
        """Whether the query picks leads by more than their state (a search, an email, dates)."""
        return any(self._narrowing().values())

    def _narrowing(self):
        return {k: v for k, v in self.form.cleaned_data.items() if k not in PICKING}

    def _narrow(self, leads):
        for name, value in self._narrowing().items():
            leads = self.filters[name].filter(leads, value)
        return leads
