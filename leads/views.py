from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .dashboard import dashboard_stats
from .exports import csv_response
from .forms import IntakeForm, LeadForm, NoteForm
from .models import Activity, DuplicateEmail, Lead, Note, Resubmission, stale_cutoff
from .throttling import count_accepted, describe_wait, flood_wait, intake_wait

LIST_SORTS = {
    "newest": ("Newest first", ["-created_at", "-id"]),
    "oldest": ("Oldest first", ["created_at", "id"]),
    "name": ("Name", ["last_name", "first_name", "id"]),
}
PAGE_SIZES = [25, 50, 100]


def attorney_required(perm="leads.view_lead"):
    """Anonymous users go to the login page; signed-in users without `perm` get a 403."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


# The thank-you page repeats the address the prospect gave, kept for it in a signed cookie (no
# session, so no database write) that the page deletes once shown.
SUBMITTED_EMAIL_COOKIE = "submitted_email"
SUBMITTED_EMAIL_SALT = "leads.thanks"
SUBMITTED_EMAIL_MAX_AGE = 600


@require_http_methods(["GET", "HEAD", "POST"])
def intake(request):
    if request.method != "POST":
        return render(request, "leads/intake.html", {"form": IntakeForm()})
    wait = flood_wait(request)  # every POST counts, before the body is read
    if wait:
        context = {"wait": describe_wait(wait)}
        return render(request, "leads/rate_limited.html", context, status=429)
    form = IntakeForm(request.POST, request.FILES)
    if form.is_bot():
        # Look like a success so the bot learns nothing; nothing is stored.
        return _thanks_for(form.data.get("email", ""))
    if form.is_valid():
        # Only accepted submissions count toward the limit: a mistake costs the prospect nothing.
        wait = intake_wait(request)
        if not wait:
            # A new lead or, for a known email, a resubmission: the prospect sees the same.
            lead = form.save(commit=False)
            services.submit_lead(
                lead, source=Activity.Source.FORM, site_url=request.build_absolute_uri("/")
            )
            count_accepted(request)
            form.release_cv()
            return _thanks_for(lead.email)
    form.hold_cv()
    if form.is_valid():  # but over the limit: the page keeps what was typed
        context = {"form": form, "wait": describe_wait(wait)}
        return render(request, "leads/intake.html", context, status=429)
    return render(request, "leads/intake.html", {"form": form})


def _thanks_for(email):
    response = redirect("leads:thanks")
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
    response = render(request, "leads/thanks.html", {"email": email})
    response.delete_cookie(SUBMITTED_EMAIL_COOKIE, samesite="Lax")
    return response


def _get_lead_or_404(pk):
    return get_object_or_404(Lead.objects.select_related("reached_out_by"), pk=pk)


@require_safe
@attorney_required()
def dashboard(request):
    return render(request, "leads/dashboard.html", dashboard_stats())


def _filter_leads(request):
    """The leads the list shows for the request's search, filters and sort (the CSV export takes
    exactly the same), the choices made, and the leads before the state filter (which the
    per-state counts are of)."""
    leads = Lead.objects.all()
    query = request.GET.get("q", "").strip()[:200]
    attention = request.GET.get("attention") == "1"
    if attention:
        leads = leads.stale()
    if query:
        leads = leads.search(query)
    matching = leads

    state = request.GET.get("state", "")
    if state in Lead.State.values:
        leads = leads.filter(state=state)
    else:
        state = ""

    sort = request.GET.get("sort", "newest")
    if sort not in LIST_SORTS:
        sort = "newest"
    leads = leads.order_by(*LIST_SORTS[sort][1])
    choices = {"query": query, "attention": attention, "state": state, "sort": sort}
    return leads, choices, matching


@require_safe
@attorney_required()
def lead_list(request):
    leads, choices, matching = _filter_leads(request)
    if choices["query"] or choices["attention"]:
        counts = matching.counts_by_state()
    else:
        counts = Lead.objects.cached_counts_by_state()
    state = choices["state"]
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZES[0]
    paginator = Paginator(leads.defer("resume", "cv_text"), per_page)
    # The per-state counts already hold the total: spare the database a second COUNT(*).
    paginator.count = counts[state] if state else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))

    ctx = {
        **choices,
        "page": page,
        "per_page": per_page,
        "sorts": {key: label for key, (label, _) in LIST_SORTS.items()},
        "page_sizes": PAGE_SIZES,
        "states": Lead.State.choices,
        "state_tabs": [(value, label, counts[value]) for value, label in Lead.State.choices],
        "total": sum(counts.values()),
        "stale_cutoff": stale_cutoff(),
        "stale_days": settings.STALE_LEAD_DAYS,
    }
    return render(request, "leads/lead_list.html", ctx)


@require_safe
@attorney_required()
def lead_export(request):
    """The list's current search, filter and sort, every matching lead, as CSV."""
    leads, _, _ = _filter_leads(request)
    return csv_response(leads, f"leads-{timezone.localdate():%Y-%m-%d}.csv")


@require_safe
@attorney_required()
def lead_detail(request, pk):
    lead = _get_lead_or_404(pk)
    return render(request, "leads/lead_detail.html", _detail_context(lead, NoteForm()))


def _detail_context(lead, note_form):
    return {
        "lead": lead,
        "note_form": note_form,
        "notes": lead.notes.select_related("author"),
        "activities": lead.activities.select_related("actor"),
        "resubmissions": lead.resubmissions.all(),
        "stale_days": settings.STALE_LEAD_DAYS,
    }


@require_POST
@attorney_required()
@permission_required("leads.add_note", raise_exception=True)
def lead_add_note(request, pk):
    lead = _get_lead_or_404(pk)
    note = Note(lead=lead, author=request.user)
    form = NoteForm(request.POST, instance=note)
    if not form.is_valid():
        return render(request, "leads/lead_detail.html", _detail_context(lead, form))
    services.add_note(form.save(commit=False), source=Activity.Source.PAGE)
    messages.success(request, "Note added.")
    return redirect(lead)


@require_http_methods(["GET", "HEAD", "POST"])
@attorney_required("leads.add_lead")
def lead_create(request):
    form = LeadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.create_lead(
                form.save(commit=False), source=Activity.Source.PAGE, actor=request.user
            )
        except DuplicateEmail as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Lead {lead.full_name} created.")
            return redirect(lead)
    return render(request, "leads/lead_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@attorney_required("leads.change_lead")
def lead_edit(request, pk):
    lead = _get_lead_or_404(pk)
    form = LeadForm(request.POST or None, request.FILES or None, instance=lead)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.change_lead(
                form.save(commit=False), source=Activity.Source.PAGE, actor=request.user
            )
        except DuplicateEmail as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Changes saved.")
            return redirect(lead)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead})


def _state_change_view(state, message):
    @require_POST
    @attorney_required("leads.change_lead")
    def view(request, pk):
        lead = _get_lead_or_404(pk)
        services.set_state(lead, state, source=Activity.Source.PAGE, actor=request.user)
        messages.success(request, message.format(name=lead.full_name))
        return redirect(lead)

    return view


lead_mark_reached_out = _state_change_view(
    Lead.State.REACHED_OUT, "{name} is marked as reached out."
)
lead_mark_pending = _state_change_view(Lead.State.PENDING, "{name} is back to pending.")


@require_safe
@attorney_required()
def lead_cv(request, pk):
    lead = _get_lead_or_404(pk)
    return _cv_download(lead.cv, lead.full_name)


@require_safe
@attorney_required()
def resubmission_cv(request, pk, resubmission_pk):
    resubmission = get_object_or_404(Resubmission, lead_id=pk, pk=resubmission_pk)
    return _cv_download(resubmission.cv, resubmission.full_name)


def _cv_download(cv, full_name):
    if not cv:
        raise Http404("No CV.")
    try:
        opened = cv.open("rb")
    except FileNotFoundError:
        raise Http404("The CV file is missing.") from None
    extension = PurePath(cv.name).suffix
    filename = f"{slugify(full_name) or 'lead'}-cv{extension}"
    return FileResponse(opened, as_attachment=True, filename=filename)
