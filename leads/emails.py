"""The two emails of a new lead, rendered from templates/emails/<name>_subject.txt and
<name>_body.txt. Only the worker sends them (leads/tasks.py), never a request."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

# Name -> how the lead's history calls it.
NEW_LEAD_EMAILS = {
    "prospect_confirmation": "Confirmation to the prospect",
    "attorney_notification": "Notification to the attorneys",
}


def send_new_lead_email(name, lead, site_url):
    """Send email `name` about `lead`, with a link to the lead's page on `site_url`. Raises
    whatever the mail server's connection raises."""
    context = {
        "lead": lead,
        "detail_url": site_url.rstrip("/") + lead.get_absolute_url(),
        "firm_name": settings.FIRM_NAME,
    }
    recipients = [lead.email] if name == "prospect_confirmation" else [settings.ATTORNEY_EMAIL]
    # A subject is one line, whatever the template and the data put in it.
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}_body.txt", context)
    send_mail(subject, body, None, recipients)
