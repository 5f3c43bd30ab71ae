"""The public intake form and its thank-you page."""

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from leads import lifecycle
from leads.cvs import held
from leads.models import Activity
from leads.throttling import count_accepted, flood_wait, intake_wait
from lib.durations import duration_text

from .forms import IntakeForm

# The thank-you page repeats the address the prospect gave, kept for it in a signed cookie (no
# session, so no database write) that the page deletes once shown.
SUBMITTED_EMAIL_COOKIE = "submitted_email"
SUBMITTED_EMAIL_SALT = "leads.thanks"
SUBMITTED_EMAIL_MAX_AGE = 600


@require_http_methods(["GET", "HEAD", "POST"])
def intake(request):
    if request.method != "POST":
        return _intake_page(request, IntakeForm())
    wait = flood_wait(request)  # every POST counts, before the body is read
    if wait:
        context = {"wait": duration_text(wait, round_up=True)}
        return render(request, "intake/rate_limited.html", context, status=429)
    form = IntakeForm(request.POST, request.FILES, cv_holder=held.holder_of(request))
    if form.is_bot():
        # Look like a success so the bot learns nothing; nothing is stored.
        return _thanks_for(form.data.get("email", ""))
    if form.is_valid():
        # Only accepted submissions count toward the limit: a mistake costs the prospect nothing.
        wait = intake_wait(request)
        if not wait:
            # A new lead or, for a known email, a resubmission: the prospect sees the same.
            lead = form.save(commit=False)
            lifecycle.submit_lead(
                lead, source=Activity.Source.FORM, site_url=request.build_absolute_uri("/")
            )
            count_accepted(request)
            form.release_cv()
            return _thanks_for(lead.email)
    holder = form.hold_cv(request)
    if form.is_valid():  # but over the limit: the page keeps what was typed
        wait = duration_text(wait, round_up=True)
        response = _intake_page(request, form, wait=wait, status=429)
    else:
        response = _intake_page(request, form)
    if holder:
        held.remember_holder(response, holder)
    return response


def _intake_page(request, form, wait=None, status=200):
    # The privacy notice under the form says how long an unanswered submission is kept.
    context = {"form": form, "wait": wait, "retention_days": settings.LEAD_RETENTION_DAYS}
    return render(request, "intake/form.html", context, status=status)


def _thanks_for(email):
    response = redirect("intake:thanks")
    value = signing.dumps(email[:254], salt=SUBMITTED_EMAIL_SALT)  # ASCII, whatever the address
    response.set_cookie(
        SUBMITTED_EMAIL_COOKIE,
        value,
        max_age=SUBMITTED_EMAIL_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@require_safe
def thanks(request):
    try:
        email = signing.loads(
            request.COOKIES.get(SUBMITTED_EMAIL_COOKIE, ""),
            salt=SUBMITTED_EMAIL_SALT,
            max_age=SUBMITTED_EMAIL_MAX_AGE,
        )
    except signing.BadSignature:  # none, expired or tampered with
        email = ""
    context = {
        "email": email,
        "response_time": settings.FIRM_RESPONSE_TIME,
        "firm_contact": settings.FIRM_CONTACT,
    }
    response = render(request, "intake/thanks.html", context)
    response.delete_cookie(SUBMITTED_EMAIL_COOKIE, samesite="Lax")
    return response
