"""The emails about a prospect's submission, rendered from templates/emails/<name>_subject.txt
and <name>_body.txt. Only the worker sends them (leads/tasks.py), never a request. Emails whose
name starts with "prospect_" go to the prospect, the others to the attorneys (ATTORNEY_EMAIL).
"""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
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


def send_lead_email(name, lead, site_url, key, **context):
    """Send email `name` about `lead`, with a link to the lead's page on `site_url` (and
    `context` for the templates), under the Message-ID of its `key` (the Activity.key its
    sending is recorded under). Raises whatever the mail server's connection raises."""
    context |= {
        "lead": lead,
        "detail_url": site_url.rstrip("/") + lead.get_absolute_url(),
        "firm_name": settings.FIRM_NAME,
    }
    recipients = [lead.email] if name.startswith("prospect_") else [settings.ATTORNEY_EMAIL]
    # A subject is one line, whatever the template and the data put in it.
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}_body.txt", context)
    send_mail(subject, body, None, recipients, message_id(lead, key))


def message_id(lead, key):
    """The same for each copy of one email, however often a worker sends it (a worker killed
    after the mail server took it, before it was recorded, leaves it to be sent again), so that
    the recipient's mail system can tell a second copy; it names no personal data."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{key.replace(':', '.')}.lead-{lead.pk}@{domain}>"


def send_mail(subject, body, from_email, recipients, message_id):
    """django.core.mail.send_mail(), with the Message-ID given."""
    headers = {"Message-ID": message_id}
    return EmailMessage(subject, body, from_email, recipients, headers=headers).send()
