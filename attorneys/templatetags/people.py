"""{{ user|person }}: a staff account's name on the attorneys' pages (lib/users.py)."""

from django import template

from lib.users import display_name

register = template.Library()


@register.filter
def person(user):
    return display_name(user) or ""
