from types import SimpleNamespace

from lib.users import display_name, email_or_username


def account(full_name="", username="ana@firm.example", email=""):
    return SimpleNamespace(
        get_full_name=lambda: full_name, get_username=lambda: username, email=email
    )


def test_an_account_is_named_by_its_full_name_else_its_username():
    assert display_name(account(full_name="Ana Counsel")) == "Ana Counsel"
    assert display_name(account()) == "ana@firm.example"
    assert display_name(None) is None


def test_a_csv_names_an_account_by_its_email_else_its_username():
    assert (
        email_or_username(account(email="ana@firm.example", username="ana")) == "ana@firm.example"
    )
    assert email_or_username(account(username="ana")) == "ana"
    assert email_or_username(None) == ""
