import pytest

from domain.preferences import BadTime, parse_hhmm


@pytest.mark.parametrize("typed, expected", [("8:30", "08:30"), ("08:30", "08:30"), ("8：30", "08:30"), ("23.59", "23:59")])
def test_times_are_read_the_ways_people_type_them(typed, expected):
    assert parse_hhmm(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "8:60", "eight", "", "8"])
def test_impossible_times_are_refused(typed):
    with pytest.raises(BadTime):
        parse_hhmm(typed)
