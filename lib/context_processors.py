from django.conf import settings

APP_NAME = "Leads Dashboard"


def site(request):
    """The name pages carry: the firm's (FIRM_NAME) for prospects and anyone else, the app's
    for attorneys. Public pages never name the app or call a prospect a lead."""
    user = getattr(request, "user", None)
    is_attorney = user is not None and user.has_perm("leads.view_lead")
    return {
        "brand_name": APP_NAME if is_attorney else settings.FIRM_NAME,
        "firm_name": settings.FIRM_NAME,
        "is_attorney": is_attorney,
    }
