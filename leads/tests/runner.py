class PytestTestRunner:
    """Runs the suite with pytest, so `python manage.py test` and `pytest` run the same tests.

    This is the runner pytest-django's documentation suggests; extra labels are passed to pytest
    (e.g. `manage.py test leads/tests/test_models.py`)."""

    def __init__(self, verbosity=1, failfast=False, keepdb=False, **kwargs):
        self.verbosity = verbosity
        self.failfast = failfast
        self.keepdb = keepdb

    @classmethod
    def add_arguments(cls, parser):
        parser.add_argument(
            "--keepdb", action="store_true", help="Preserves the test DB between runs."
        )

    def run_tests(self, test_labels, **kwargs):
        import pytest

        # manage.py names the production settings; the suite runs with the tests' own.
        argv = ["--ds", "leads_dashboard.test_settings"]
        if self.verbosity == 0:
            argv.append("--quiet")
        elif self.verbosity >= 2:
            argv.append("--verbose")
        if self.failfast:
            argv.append("--exitfirst")
        if self.keepdb:
            argv.append("--reuse-db")
        argv.extend(test_labels)
        return pytest.main(argv)
