"""Numbers with their nouns in the right form: "1 Monat", "2 Monate", "mit unter 5.000 Einwohnern"."""

import pytest

from cooperations.views import remaining_text
from ozg_monitoring.selectors import SIZE_CLASSES, size_class


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "noch 1 Tag"),
        (2, "noch 2 Tage"),
        (59, "noch 59 Tage"),
        (60, "noch etwa 2 Monate"),
        (365 + 30, "noch etwa 1 Jahr und 1 Monat"),
        (2 * 365 + 5, "noch etwa 2 Jahre"),
        (3 * 365 + 95, "noch etwa 3 Jahre und 3 Monate"),
    ],
)
def test_remaining_time_of_an_agreement(days, text):
    assert remaining_text(days) == text


def test_size_classes_are_dative_after_mit():
    assert size_class(4_000)[2] == "unter 5.000 Einwohnern"
    assert all(label.endswith("Einwohnern") for _low, _high, label in SIZE_CLASSES)
