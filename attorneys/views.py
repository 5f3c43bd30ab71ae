"""The attorneys' pages: the dashboard, the list of leads, a lead's page, its forms."""

import datetime
import logging
from pathlib import PurePath

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import capfirst, slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from leads import lifecycle, privacy, states
from leads.csv.exports import csv_response
from leads.filters import LeadFilter
from leads.models import Activity, DuplicateEmail, Lead, Note, Resubmission, stale_cutoff
from leads.pagination import LeadPaginator
from leads.states import MoveRefused

from .dashboard import dashboard_stats
from .forms import EraseForm, LeadForm, NoteForm

logger = logging.getLogger(__name__)

PAGE_SIZES = [25, 50, 100]


def attorney_required(perm="leads.view_lead"):
    """Anonymous users go to the login page; signed-in users without `perm` get a 403."""

    def decorator(view):
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator


def _get_lead_or_404(pk):
    return get_object_or_404(Lead.objects.select_related("reached_out_by"), pk=pk)


@require_safe
@attorney_required()
def dashboard(request):
    return render(request, "attorneys/dashboard.html", dashboard_stats())


@require_safe
@attorney_required()
def lead_list(request):
    filters = LeadFilter(request.GET, queryset=Lead.objects.all())
    leads = filters.qs  # a parameter that does not validate is left out
    chosen = filters.form.cleaned_data
    counts, stale = filters.tab_counts()
    shown = Lead.objects.defer("resume", "cv_text")
    paginator = LeadPaginator(leads, _page_size(request), shown=shown)
    total = filters.total(counts, stale)
    if total is not None:
        paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    tabs = _state_tabs(request, chosen, counts, stale)
    ctx = {
        "search": chosen.get("search", ""),
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "page_sizes": PAGE_SIZES,
        "tabs": tabs,
        # What the folded choices say on a phone ("Pending", not "All").
        "current_filter": next((label for label, _, _, on in tabs[1:] if on), ""),
        "columns": _sortable_columns(request, chosen.get("ordering")),
        "stale_cutoff": stale_cutoff(),
        "stale_days": settings.STALE_LEAD_DAYS,
        "bulk_undo": _recent_bulk_change(request),
        # What "all N leads this list matches" means, posted back by the bulk form.
        "shown_at": timezone.now().isoformat(),
        "states": Lead.State.choices,
        # The bulk forms come back to this very list (filters, sort, page).
        "this_list": _query(request),
        # Each lead's page knows this list (filters, sort, page): see _list_neighbours().
        "lead_query": _query(request, page=page.number),
    }
    return render(request, "attorneys/lead_list.html", ctx)


def _page_size(request):
    """The page size asked for, else the one this attorney chose last (kept in the session)."""
    try:
        size = int(request.GET.get("page_size", ""))
    except ValueError:
        size = None
    if size in PAGE_SIZES:
        if request.session.get("page_size") != size:  # a session is saved only if it changed
            request.session["page_size"] = size
        return size
    return request.session.get("page_size", PAGE_SIZES[0])


def _state_tabs(request, chosen, counts, stale):
    """(label, href, count, current) for each tab: every lead, each state, and the pending ones
    that need attention. One choice at a time, so no tab ever offers an empty combination."""
    state, attention = chosen.get("state"), chosen.get("attention")
    every = {"state": None, "attention": None, "page": None}
    tabs = [("All", every, sum(counts.values()), not state and attention is None)]
    for value, label in Lead.State.choices:
        tabs.append(
            (label, {**every, "state": value}, counts[value], state == value and attention is None)
        )
        if value == Lead.State.PENDING:
            current = bool(attention) and not state
            tabs.append(
                (
                    "Needs attention",
                    {**every, "attention": "true"},
                    stale,
                    current,
                )
            )
    return [
        (label, _query(request, **changes), count, current)
        for label, changes, count, current in tabs
    ]


# The list's columns: (label, ordering parameter, the direction a first click sorts in).
LIST_COLUMNS = [
    ("Name", "last_name", ""),
    ("Email", "email", ""),
    ("State", "state", ""),
    ("Submitted", "created_at", "-"),
    ("Reached out", "reached_out_at", "-"),
]


def _sortable_columns(request, ordering):
    """(label, href, aria-sort value or "") for each column: a click on the column the list is
    sorted by reverses it; a click on another sorts by it."""
    current = ordering or "-created_at"
    columns = []
    for label, name, first in LIST_COLUMNS:
        if current == name:
            asked, sort = f"-{name}", "ascending"
        elif current == f"-{name}":
            asked, sort = name, "descending"
        else:
            asked, sort = f"{first}{name}", ""
        columns.append((label, _query(request, ordering=asked, page=None), sort))
    return columns


def _query(request, **changes):
    """The request's query string with `changes` (None removes a parameter), as "?..."."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return f"?{query.urlencode()}" if query else ""


# A bulk change of more leads than this is refused: narrow the list first. (Each lead's change
# is its own transaction with its own history entry.)
BULK_MAX = 500
# How long the list offers to undo the last bulk change.
BULK_UNDO_SECONDS = 10 * 60


@require_POST
@attorney_required()
def lead_bulk(request):
    """The list's bulk actions on the ticked leads, or on every lead the list matches ("all"):
    mark them reached out or pending (each through lifecycle.move_lead(), so each lead's history
    records it; the list then offers to undo), or download them as CSV. The list's query string
    travels in the form's address, and the answer goes back to that same list."""
    back = reverse("attorneys:lead_list") + _query(request)
    filters = LeadFilter(request.GET, queryset=Lead.objects.all())
    if request.POST.get("all") == "1":
        leads = filters.qs
    else:
        ids = [
            int(pk)
            for pk in request.POST.getlist("lead")
            if pk.isascii() and pk.isdigit() and len(pk) < 12
        ]
        leads = filters.qs.filter(pk__in=ids)
    action = request.POST.get("action")
    if action == "export":
        return csv_response(leads, f"leads-{timezone.localdate():%Y-%m-%d}-selected.csv")
    if action not in Lead.State.values:
        messages.error(request, "Choose what to do with the ticked leads.")
        return redirect(back)
    if not request.user.has_perm("leads.change_lead"):
        raise PermissionDenied
    if request.POST.get("all") == "1" and (changed := _changed_since_shown(request, filters)):
        messages.error(request, changed)
        return redirect(back)
    chosen = list(leads.only("pk", "state", "updated_at")[: BULK_MAX + 1])
    if not chosen:
        messages.error(request, "Tick the leads to change first.")
    elif len(chosen) > BULK_MAX:
        messages.error(request, f"That is over {BULK_MAX} leads: narrow the list first.")
    else:
        state = action
        label = Lead.State(state).label.lower()
        changes = lifecycle.move_leads(
            chosen, state, source=Activity.Source.PAGE, actor=request.user
        )
        request.session["bulk_undo"] = {
            "changes": [moved.as_json() for moved in changes.moved],
            "label": label,
            "at": timezone.now().timestamp(),
        }
        moved = len(changes.moved)
        messages.success(
            request,
            f"{moved} lead{pluralize(moved)} marked as {label}"
            + (f" ({changes.already} already were)" if changes.already else "")
            + (
                f" ({changes.refused} cannot be, from the state they are in)"
                if changes.refused
                else ""
            )
            + (f" ({changes.gone} erased meanwhile)" if changes.gone else "")
            + ".",
        )
    return redirect(back)


@require_POST
@attorney_required("leads.change_lead")
def lead_bulk_undo(request):
    """Put the leads of the last bulk change back as they were (lifecycle.undo_moves()): the
    state, and who reached out and when. A lead someone changed since is left as it is, and the
    message names it."""
    undo = _recent_bulk_change(request)
    request.session.pop("bulk_undo", None)
    if undo is None:
        messages.error(request, "There is no recent change to undo.")
    else:
        moved = [lifecycle.Moved.from_json(entry) for entry in undo["changes"]]
        undone = lifecycle.undo_moves(moved, source=Activity.Source.PAGE, actor=request.user)
        count = undone.restored
        messages.success(request, f"Undone: {count} lead{pluralize(count)} back as before.")
        if undone.skipped:
            skipped = len(undone.skipped)
            names = ", ".join(lead.full_name for lead in undone.skipped[:10])
            more = f" and {skipped - 10} more" if skipped > 10 else ""
            messages.warning(
                request,
                f"Left as {pluralize(skipped, 'it is,they are')}: {names}{more}, "
                f"changed by someone since your change.",
            )
    return redirect(reverse("attorneys:lead_list") + _query(request))


def _changed_since_shown(request, filters):
    """Why a bulk change of "all N leads this list matches" must not go ahead, or "": the list
    no longer matches what the page showed (its count, `count`, at `shown_at`), because a lead
    arrived, left or changed since. The attorney looks again, then chooses."""
    total = filters.total()  # from the kept counts when they can tell
    if total is None:
        total = filters.qs.count()
    try:
        shown = int(request.POST.get("count", ""))
        shown_at = datetime.datetime.fromisoformat(request.POST.get("shown_at", ""))
    except ValueError:
        shown, shown_at = None, None
    if shown_at is not None and timezone.is_naive(shown_at):
        shown_at = None
    if shown is None or shown_at is None:
        return "The list is out of date: nothing was changed. Look at it again, then choose."
    if shown == total and not filters.qs.filter(updated_at__gt=shown_at).exists():
        return ""
    return (
        f"The list has changed since it was shown: it now matches {total} "
        f"lead{pluralize(total)}, not {shown}, or some changed since. Nothing was changed: look "
        "at the list again, then choose."
    )


def _recent_bulk_change(request):
    """The last bulk change (see lead_bulk()) if it changed a lead and can still be undone, else
    None. The list offers to undo it."""
    undo = request.session.get("bulk_undo")
    if undo and undo["changes"] and timezone.now().timestamp() - undo["at"] <= BULK_UNDO_SECONDS:
        return undo
    return None


@require_safe
@attorney_required()
def lead_export(request):
    """The list's current search, filters and sort, every matching lead, as CSV."""
    leads = LeadFilter(request.GET, queryset=Lead.objects.all()).qs
    return csv_response(leads, f"leads-{timezone.localdate():%Y-%m-%d}.csv")


@require_safe
@attorney_required()
def lead_detail(request, pk):
    lead = _get_lead_or_404(pk)
    return render(request, "attorneys/lead_detail.html", _detail_context(request, lead, NoteForm()))


def _detail_context(request, lead, note_form):
    previous, following = _list_neighbours(request, lead)
    return {
        "lead": lead,
        "moves": lead.next_moves(request.user),
        # The person's short fields (the names, the email, any other short field of
        # Lead.PERSON_FIELDS): (name, label, value). The long text and the file have sections.
        "person_details": [
            (field.name, capfirst(field.verbose_name), getattr(lead, field.name))
            for field in Lead.short_person_fields()
        ],
        "note_form": note_form,
        "notes": lead.notes.select_related("author"),
        "activities": lead.activities.select_related("actor"),
        "resubmissions": lead.resubmissions.all(),
        "stale_days": settings.STALE_LEAD_DAYS,
        # The list the lead was opened from travels in the page's address: back to it, and
        # through it lead by lead; the page's forms keep it.
        "list_query": _query(request),
        "list_url": reverse("attorneys:lead_list") + _query(request),
        "previous_lead": previous,
        "next_lead": following,
    }


def _list_neighbours(request, lead):
    """The addresses of the leads before and after `lead` in the list page it was opened from
    (its filters, sort and page number are in the request's query), or None at either end, or
    when it was not opened from a list. Reads that page's ids, and one id of the page before or
    after at its edges."""
    if "page" not in request.GET:
        return None, None
    filters = LeadFilter(request.GET, queryset=Lead.objects.all())
    paginator = Paginator(filters.qs.values_list("pk", flat=True), _page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    if lead.pk not in ids:
        return None, None
    at = ids.index(lead.pk)

    def link(pk, number):
        return reverse("attorneys:lead_detail", args=[pk]) + _query(request, page=number)

    previous = following = None
    if at > 0:
        previous = link(ids[at - 1], page.number)
    elif page.has_previous():
        previous = link(list(paginator.page(page.number - 1).object_list)[-1], page.number - 1)
    if at < len(ids) - 1:
        following = link(ids[at + 1], page.number)
    elif page.has_next():
        following = link(list(paginator.page(page.number + 1).object_list)[0], page.number + 1)
    return previous, following


@require_POST
@attorney_required()
@permission_required("leads.add_note", raise_exception=True)
def lead_add_note(request, pk):
    lead = _get_lead_or_404(pk)
    note = Note(lead=lead, author=request.user)
    form = NoteForm(request.POST, instance=note)
    if not form.is_valid():
        return render(request, "attorneys/lead_detail.html", _detail_context(request, lead, form))
    lifecycle.add_note(form.save(commit=False), source=Activity.Source.PAGE)
    messages.success(request, "Note added.")
    return redirect(lead.get_absolute_url() + _query(request) + "#notes")


@require_http_methods(["GET", "HEAD", "POST"])
@attorney_required("leads.add_lead")
def lead_create(request):
    form = LeadForm(request.POST or None, request.FILES or None, user=request.user)
    return _lead_form_page(request, form, lifecycle.create_lead, "Lead {name} created.")


@require_http_methods(["GET", "HEAD", "POST"])
@attorney_required("leads.change_lead")
def lead_edit(request, pk):
    lead = _get_lead_or_404(pk)
    stored_name = lead.full_name  # the form's validation puts the typed name on the lead
    form = LeadForm(request.POST or None, request.FILES or None, instance=lead, user=request.user)
    saved = "Changes saved."
    return _lead_form_page(request, form, lifecycle.change_lead, saved, lead, stored_name)


def _lead_form_page(request, form, save, done, lead=None, stored_name=""):
    """The attorneys' lead form: on a valid POST, `save` (lifecycle.create_lead or change_lead)
    and back to the lead with the message `done` (and to the list it came from, whose query
    string the page keeps); else the form, with its errors summarised at the top."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.save(commit=False), source=Activity.Source.PAGE, actor=request.user)
        except (DuplicateEmail, MoveRefused) as error:  # lost a race with another change
            form.add_error(None, error)
        else:
            messages.success(request, done.format(name=saved.full_name))
            return redirect(saved.get_absolute_url() + _query(request))
    context = {"form": form, "lead": lead, "lead_name": stored_name, "list_query": _query(request)}
    return render(request, "attorneys/lead_form.html", context)


@require_POST
@attorney_required("leads.change_lead")
def lead_set_state(request, pk):
    """Move the lead to the state its page's button asks for (see states.MOVES)."""
    lead = _get_lead_or_404(pk)
    state = request.POST.get("state")
    if state not in Lead.State.values:
        messages.error(request, "Choose a state to move the lead to.")
        return redirect(lead.get_absolute_url() + _query(request))
    try:
        before = lifecycle.move_lead(lead, state, source=Activity.Source.PAGE, actor=request.user)
    except MoveRefused as refused:
        messages.error(request, refused.messages[0])
    else:
        if before is None:
            messages.error(request, "That lead was erased meanwhile.")
            return redirect("attorneys:lead_list")
        if before == state:
            label = Lead.State(state).label.lower()
            message = f"{{name}} is {label} already."
        else:
            message = states.move_between(before, state).done
        messages.success(request, message.format(name=lead.full_name))
    return redirect(lead.get_absolute_url() + _query(request))


@require_safe
@attorney_required()
def lead_cv(request, pk):
    lead = _get_lead_or_404(pk)
    return _cv_download(request, lead.cv, lead.full_name, lead)


@require_safe
@attorney_required()
def resubmission_cv(request, pk, resubmission_pk):
    resubmission = get_object_or_404(Resubmission, lead_id=pk, pk=resubmission_pk)
    return _cv_download(request, resubmission.cv, resubmission.full_name, resubmission.lead)


def _cv_download(request, cv, full_name, lead):
    if not cv:
        raise Http404("No CV.")
    try:
        opened = cv.open("rb")
    except FileNotFoundError:
        raise Http404("The CV file is missing.") from None
    # The disk, or the bucket (CV_BUCKET) that does not answer or refuses the app's keys.
    except (OSError, BotoCoreError, ClientError):
        logger.exception("Could not open the CV %s", cv.name)
        context = {"lead": lead}
        return render(request, "attorneys/cv_unavailable.html", context, status=503)
    extension = PurePath(cv.name).suffix
    filename = f"{slugify(full_name) or 'lead'}-cv{extension}"
    return FileResponse(opened, as_attachment=True, filename=filename)


@require_safe
@attorney_required()
def lead_export_person(request, pk):
    """Everything held about the lead's person (privacy.person_data()), as a JSON download, for
    the firm to answer an access request."""
    lead = _get_lead_or_404(pk)
    response = JsonResponse(
        privacy.person_data(lead), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    # Named by the lead's number, not the person's name: file names end up in lists and logs.
    response["Content-Disposition"] = content_disposition_header(True, f"lead-{lead.pk}.json")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@attorney_required()
@permission_required("leads.erase_lead", raise_exception=True)
def lead_erase(request, pk):
    """Erase a person (lifecycle.erase_lead()) once the attorney has typed their email address.
    The page lists what goes."""
    lead = _get_lead_or_404(pk)
    form = EraseForm(lead, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        lifecycle.erase_lead(lead.pk, actor=request.user, reason=reason)
        messages.success(request, f"Lead {lead.pk} erased.")
        return redirect("attorneys:lead_list")
    context = {"lead": lead, "form": form, "records": privacy.count_records(lead)}
    return render(request, "attorneys/lead_erase.html", context)
