"""How the product names a staff account, in one place: on the pages, in the API, in a person's
data export (display_name()), and in a CSV column a spreadsheet filters on (email_or_username())."""


def display_name(user):
    """The account's full name, else its username; None for no account (deleted since)."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def email_or_username(user):
    """The account's email address, else its username; "" for no account."""
    if user is None:
        return ""
    return user.email or user.get_username()
