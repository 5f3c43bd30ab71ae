"""The emails about a prospect's submission, rendered from templates/emails/<name>_subject.txt
and <name>_body.txt. Only the worker sends them (leads/tasks.py), never a request. Emails whose
name starts with "prospect_" go to the prospect, the others to the attorneys (ATTORNEY_EMAIL).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

# Name -> how the lead's history calls it.
NEW_LEAD_EMAILS = {
    "prospect_confirmation": "Confirmation to the prospect",
    "attorney_notification": "Notification to the attorneys",
}
# A submission for an email address a lead already has (models.Resubmission): no second
# welcome, but "we already have your details".
RESUBMISSION_EMAILS = {
    "prospect_resubmission": "Reply to the prospect's second submission",
    "attorney_resubmission": "Notification of the prospect's second submission",
}


def send_lead_email(name, lead, site_url, **context):
    """Send email `name` about `lead`, with a link to the lead's page on `site_url` (and
    `context` for the templates). Raises whatever the mail server's connection raises."""
    context |= {
        "lead": lead,
        "detail_url": site_url.rstrip("/") + lead.get_absolute_url(),
        "firm_name": settings.FIRM_NAME,
    }
    recipients = [lead.email] if name.startswith("prospect_") else [settings.ATTORNEY_EMAIL]
    # A subject is one line, whatever the template and the data put in it.
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}_body.txt", context)
    send_mail(subject, body, None, recipients)
