"""Quiet hours, which may run over midnight: urgent alerts wait while they last."""

from datetime import time

import pytest

from domain.urgent import in_quiet_hours


@pytest.mark.parametrize(
    "now, start, end, quiet",
    [
        (time(20, 59), time(21), time(8), False),
        (time(21, 0), time(21), time(8), True),
        (time(3, 0), time(21), time(8), True),
        (time(7, 59), time(21), time(8), True),
        (time(8, 0), time(21), time(8), False),
        (time(12, 30), time(12), time(14), True),  # a lunch break, not over midnight
        (time(14, 0), time(12), time(14), False),
        (time(3, 0), time(0), time(0), False),  # equal ends: no quiet hours
    ],
)
def test_quiet_hours_start_inclusive_end_exclusive_across_midnight(now, start, end, quiet):
    assert in_quiet_hours(now, start, end) is quiet
