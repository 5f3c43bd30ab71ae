"""Times on the attorneys' pages: in the firm's TIME_ZONE with its abbreviation, and the last
week's also relative ("3 days ago", the exact time in the title)."""

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html

from lib.durations import duration_text

register = template.Library()

RELATIVE_FOR = datetime.timedelta(days=7)


@register.filter
def when(value):
    """A <time> element for the aware datetime `value` ("" for None)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    # tzname() rather than the "T" format, which gives nothing for the hour that happens twice
    # when the clocks go back.
    exact = f"{dateformat.format(local, 'M j, Y H:i')} {local.tzname()}"
    age = timezone.now() - value
    if datetime.timedelta(0) <= age < RELATIVE_FOR:
        shown = (
            "just now"
            if age < datetime.timedelta(minutes=1)
            else f"{duration_text(age, depth=1)} ago"
        )
        return format_html(
            '<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, shown
        )
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), exact)
