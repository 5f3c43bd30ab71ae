import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from . import history

logger = logging.getLogger(__name__)


def send_new_lead_emails_on_commit(lead, request):
    """Once the lead is committed, confirm to the prospect and notify the attorneys.

    Mail runs after the commit so that a slow or failing mail server can never undo or delay
    the lead; a failure is logged and the prospect still sees the thank-you page."""
    detail_url = request.build_absolute_uri(lead.get_absolute_url())
    transaction.on_commit(lambda: send_new_lead_emails(lead, detail_url))


def send_new_lead_emails(lead, detail_url):
    context = {"lead": lead, "detail_url": detail_url, "firm_name": settings.FIRM_NAME}
    history.record_emails(
        lead,
        {
            "Confirmation to the prospect": _send("prospect_confirmation", context, [lead.email]),
            "Notification to the attorneys": _send(
                "attorney_notification", context, [settings.ATTORNEY_EMAIL]
            ),
        },
    )


def _send(template, context, recipients):
    # A subject is one line, whatever the template and the data put in it.
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}_body.txt", context)
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("Could not send %s email for lead %s", template, context["lead"].pk)
        return False
    return True
