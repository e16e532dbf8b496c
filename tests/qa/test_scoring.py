"""Score arithmetic (QA-1) and the appraisal scorecard with its grade bands (QA-5), by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qa import scoring
from qa.scoring import ItemDef, SectionDef

D = Decimal
SECTIONS = [SectionDef(key=1, weight=D(60), title="Accuracy"), SectionDef(key=2, weight=D(40), title="Attitude")]
ITEMS = [
    ItemDef(key=11, section=1, kind="yes_no", weight=D(2), text="Verified identity"),
    ItemDef(key=12, section=1, kind="scale", weight=D(1), text="Correct information"),
    ItemDef(key=21, section=2, kind="points", weight=D(1), max_points=10, text="Courtesy"),
    ItemDef(key=22, section=2, kind="yes_no", weight=D(3), text="Offered more help"),
]


def test_weights_are_normalised_and_scales_mapped():
    # Accuracy: yes (1 × 2) and a 4 on the scale ((4-1)/6 = 0.5, × 1) → 2.5 / 3 = 83.33 %.
    # Attitude: 7 of 10 points (0.7 × 1) and no (0 × 3) → 0.7 / 4 = 17.5 %.
    # Total: (60 × 83.333… + 40 × 17.5) / 100 = 57.0.
    r = scoring.score(SECTIONS, ITEMS, {11: D(1), 12: D(4), 21: D(7), 22: D(0)})
    assert r.sections == {1: D("83.33"), 2: D("17.50")}
    assert r.score == D("57.00") and r.failed_item is None


def test_na_items_are_left_out_and_an_all_na_section_drops_out():
    # Item 12 N/A: accuracy = 2/2 = 100 %. Attitude all N/A: the total is accuracy alone.
    r = scoring.score(SECTIONS, ITEMS, {11: D(1), 12: None, 21: None, 22: None})
    assert r.sections == {1: D("100.00"), 2: None}
    assert r.score == D("100.00")


def test_a_critical_item_failed_fails_the_evaluation_and_is_named():
    items = [*ITEMS[:1], ItemDef(key=13, section=1, kind="yes_no", weight=D(0), critical=True, allow_na=False,
                                 text="Confirmed the account holder"), *ITEMS[1:]]
    r = scoring.score(SECTIONS, items, {11: D(1), 12: D(7), 13: D(0), 21: D(10), 22: D(1)})
    assert r.score == D("0.00") and r.failed_item.text == "Confirmed the account holder"
    passed = scoring.score(SECTIONS, items, {11: D(1), 12: D(7), 13: D(1), 21: D(10), 22: D(1)})
    assert passed.score == D("100.00")  # a zero-weight critical item gates without weighing
    with pytest.raises(scoring.ScoreError, match="cannot be N/A"):
        scoring.score(SECTIONS, items, {11: D(1), 12: D(7), 13: None, 21: D(10), 22: D(1)})


@pytest.mark.parametrize("answers,message", [
    ({11: D(2), 12: D(4), 21: D(7), 22: D(0)}, "yes \\(1\\) or no \\(0\\)"),
    ({11: D(1), 12: D(8), 21: D(7), 22: D(0)}, "1 to 7"),
    ({11: D(1), 12: D("3.5"), 21: D(7), 22: D(0)}, "1 to 7"),
    ({11: D(1), 12: D(4), 21: D(11), 22: D(0)}, "0 to 10 points"),
    ({11: D(1), 12: D(4), 21: D(7)}, "not answered"),
])
def test_bad_answers_name_the_item(answers, message):
    with pytest.raises(scoring.ScoreError, match=message):
        scoring.score(SECTIONS, ITEMS, answers)


def test_rounding_is_half_up_to_two_places():
    # One scale item at 2 of 7: 1/6 = 16.666… % → 16.67.
    r = scoring.score([SectionDef(key=1, weight=D(1))], [ItemDef(key=1, section=1, kind="scale", weight=D(1))],
                      {1: D(2)})
    assert r.score == D("16.67")


def test_the_appraisal_scorecard_adds_to_100():
    assert sum(scoring.APPRAISAL_MAX.values()) == 100
    full = dict.fromkeys(scoring.APPRAISAL_MAX, 0) | scoring.APPRAISAL_MAX
    assert scoring.appraisal_total(full) == D("100.00")
    with pytest.raises(ValueError, match="responsibility: a number from 0 to 5"):
        scoring.appraisal_total({**full, "responsibility": 6})
    with pytest.raises(ValueError, match="initiative is not scored"):
        scoring.appraisal_total({k: v for k, v in full.items() if k != "initiative"})


@pytest.mark.parametrize("total,grade", [
    (100, "A"), ("95.01", "A"), (95, "B"), (85, "B"), ("84.99", "C"), (75, "C"), ("74.99", "D"), (65, "D"),
    ("64.99", "E"), (0, "E"),
])
def test_grade_boundaries(total, grade):
    assert scoring.grade(D(str(total))) == grade
