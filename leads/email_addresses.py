"""A lead's email address: the spelling it is stored in (normalize_email(): trimmed, the domain
lower-cased) and the key under which it is unique, one person one lead (email_key(), kept in
Lead.email_key).

Two spellings of one mailbox get one key, so that a prospect who writes "Kate@Example.com" one
day and "kate@example.com" the next is one lead, however the address was typed: the key is
the address in Unicode NFKC, case-folded (every script, not only A-Z as SQLite's LOWER()), with
Turkish dotted and dotless i read as i, the domain in its IDNA (punycode) form, and the quotes
of a quoted local part removed where the part does not need them. The address as typed stays
in Lead.email, for display and for mail.
"""

import re
import unicodedata

# What a local part may hold without quotes (RFC 5322 "atext", and any non-ASCII character as
# RFC 6531 allows), in runs separated by single dots.
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\U0010ffff-]+"
DOT_ATOM = re.compile(rf"{ATEXT}(?:\.{ATEXT})*")
# Case folding keeps the Turkish I's apart from i ("İ" folds to "i̇", "ı" stays "ı"); people
# and keyboards mix them up.
TURKISH_I = str.maketrans({"\u0130": "i", "\u0131": "i"})


def email_key(address):
    """The key of email `address` (valid or not): equal for every spelling of one address."""
    address = unicodedata.normalize("NFKC", (address or "").strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return _fold(address)
    return f"{_fold(_unquoted(local))}@{_idna(_fold(domain))}"


def _fold(text):
    return unicodedata.normalize("NFKC", text.translate(TURKISH_I).casefold())


def _unquoted(local):
    """A quoted local part ("kate" or "ka\\te") without its quotes if it needs none, else in
    one canonical quoting."""
    if len(local) < 2 or not (local.startswith('"') and local.endswith('"')):
        return local
    content = re.sub(r"\\(.)", r"\1", local[1:-1])
    if DOT_ATOM.fullmatch(content):
        return content
    return '"' + re.sub(r'(["\\])', r"\\\1", content) + '"'


def _idna(domain):
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid domain name: the email's validation refuses it anyway
        return domain


def normalize_email(email):
    """Trim the address and lower-case its domain, which is case-insensitive by definition."""
    email = (email or "").strip()
    local, at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}" if at else email
