import datetime as dt

import pytest

from lib.durations import duration_text


@pytest.mark.parametrize(
    "duration, text",
    [
        (dt.timedelta(days=2, hours=4, minutes=59), "2\xa0days, 4\xa0hours"),
        (dt.timedelta(days=1), "1\xa0day"),
        (dt.timedelta(hours=1, minutes=1), "1\xa0hour, 1\xa0minute"),
        (dt.timedelta(minutes=35, seconds=50), "35\xa0minutes"),
        (dt.timedelta(days=20), "2\xa0weeks, 6\xa0days"),
        (dt.timedelta(seconds=20), "less than a minute"),
        # An imported lead reached out before it was submitted.
        (dt.timedelta(hours=-3), "less than a minute"),
    ],
)
def test_a_length_of_time_reads_rounded_down(duration, text):
    assert duration_text(duration) == text


@pytest.mark.parametrize(
    "seconds, text",
    [
        (1, "1\xa0minute"),
        (40, "1\xa0minute"),
        (60, "1\xa0minute"),
        (61, "2\xa0minutes"),
        (3600, "1\xa0hour"),
        (5401, "1\xa0hour, 31\xa0minutes"),
    ],
)
def test_a_wait_reads_rounded_up_never_shorter_than_it_is(seconds, text):
    assert duration_text(seconds, round_up=True) == text


def test_one_unit_for_a_relative_time():
    assert duration_text(dt.timedelta(days=3, hours=23), depth=1) == "3\xa0days"
