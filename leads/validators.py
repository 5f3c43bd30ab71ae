import re
import unicodedata

from django.core.exceptions import ValidationError


def validate_no_control_characters(value):
    """Names go into email subjects and CSV cells: line breaks and other control characters have
    no place in them (and a line break would make every notification email fail)."""
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value):
        raise ValidationError(
            "Remove line breaks and other control characters.", code="control_characters"
        )


# What makes a name a link in a mail reader: a scheme ("http://", "hxxp://" too), "www.", or a
# domain followed by a path ("evil.example/claim"). Checked on the NFKC form, so full-width or
# other look-alike letters do not get past. (api/serializers.py says it in the API's schema.)
WEB_ADDRESS = re.compile(r"://|www\.|[a-z0-9-]\.[a-z]{2,}/", re.IGNORECASE)


def validate_no_web_address(value):
    """A name is repeated in the confirmation email to an address nobody has verified: a name
    holding a web address would make the firm's own email carry a stranger's link to anyone."""
    if WEB_ADDRESS.search(unicodedata.normalize("NFKC", value)):
        raise ValidationError("A name cannot contain a web address.", code="web_address")
