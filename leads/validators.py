from django.core.exceptions import ValidationError


def validate_no_control_characters(value):
    """Names go into email subjects and CSV cells: line breaks and other control characters have
    no place in them (and a line break would make every notification email fail)."""
    if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in value):
        raise ValidationError(
            "Remove line breaks and other control characters.", code="control_characters"
        )
