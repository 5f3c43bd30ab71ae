"""Search: Lead.objects.search(query) finds the leads where each word of the query starts the
first name, the last name, the email or a word of their CV's text, in any case, from indexes
(Lead.Meta.indexes), so that a search stays fast with 100,000 leads."""

import re
from functools import reduce
from operator import or_

from django.db import connections
from django.db.models import Q

# Field -> its lower-cased copy, kept by Lead.save() (and Lead.fill_keys()) for matching().
# Python lower-cases every letter; SQLite's LOWER() (and PostgreSQL's in the C locale) only A-Z.
SEARCH_KEYS = {
    "first_name": "search_first_name",
    "last_name": "search_last_name",
    "email": "search_email",
}
WORD = re.compile(r"\w+")
# Up to this many leads whose CV has a word of a search are named by id in the search's query.
CV_MATCHES_LISTED = 1000


def matching(leads, query):
    """The leads of `leads` where each word of `query` starts the first name, the last name, the
    email or a word of their CV's text (in any case): Lead.objects.search(query).

    Prefix matching, rather than "contains", lets the database answer from the indexes on the
    lower-cased copies of the names and email (SEARCH_KEYS), which hold every column the
    search and the list's counts need: a search stays fast with 100,000 leads. The CV words
    are looked up in the leads that have CV text only (a partial index lists them), once per
    word: the leads they match are named by id when they are few (CV_MATCHES_LISTED)."""
    every_lead = leads.model.objects
    for word in query.split()[:10]:
        prefix = word.lower()
        names = reduce(or_, (_starts_with(key, prefix) for key in SEARCH_KEYS.values()))
        cv_words = cv_search_text(word).strip()
        if not cv_words:
            leads = leads.filter(names)
            continue
        cv_matches = _cv_words_start_with(every_lead, cv_words)
        listed = list(cv_matches[: CV_MATCHES_LISTED + 1])
        if len(listed) <= CV_MATCHES_LISTED:
            # Plain conditions on the row, which PostgreSQL answers from the indexes alone
            # (name ranges and ids), word by word, before it reads the few leads that match
            # every word (migration 0018 helps it see that): counting "amara okafor" at a
            # million leads took 4 ms, where a subquery per word read each word's 6,300 leads
            # from the table (54 ms).
            leads = leads.filter(names | Q(pk__in=listed))
        elif connections[leads.db].vendor == "postgresql":
            # PostgreSQL cannot answer "a name matches OR id IN (subquery)" from the name
            # indexes: it would read the whole table. The union of the two keeps both on
            # their indexes (SQLite, the other way round, is faster with the OR).
            by_name = every_lead.filter(names).order_by().values_list("pk", flat=True)
            leads = leads.filter(pk__in=by_name.union(cv_matches))
        else:
            leads = leads.filter(names | Q(pk__in=cv_matches))
    return leads


def cv_search_text(text):
    """How a CV's text is stored for search: its words, lower-cased, between single spaces (and
    a space at each end), so that " " + word finds a word that starts with it."""
    return f" {' '.join(WORD.findall(text.lower()))} " if text else ""


def _cv_words_start_with(every_lead, words):
    """The ids of the leads whose CV has `words` (as cv_search_text() gives them), the last one
    as the start of a word.

    Both sides are lower-cased in Python, so the match is the same on SQLite and PostgreSQL,
    accented letters included."""
    # Excluding the leads without CV text matches the condition of the lead_with_cv_text_idx
    # partial index, so that a search reads only the leads that have CV text, however many
    # leads there are.
    with_cv_text = every_lead.exclude(cv_text="")
    matches = with_cv_text.filter(cv_text__contains=f" {words}")
    return matches.order_by().values_list("pk", flat=True)


def _starts_with(lookup, prefix):
    # The range is what an index answers; startswith keeps the match exact whatever the
    # database's collation puts inside the range.
    last = min(ord(prefix[-1]) + 1, 0x10FFFF)
    if 0xD800 <= last <= 0xDFFF:  # surrogates are not characters: jump past them
        last = 0xE000
    return Q(
        **{
            f"{lookup}__gte": prefix,
            f"{lookup}__lt": prefix[:-1] + chr(last),
            f"{lookup}__startswith": prefix,
        }
    )
