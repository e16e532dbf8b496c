"""Score arithmetic in one place (QA-1, QA-5), pure: no database.

An item's answer is normalised to 0..1 (yes = 1, no = 0; a 1–7 scale maps 1 → 0 and 7 → 1;
points → points / max). A section scores the weighted mean of its answered items (N/A items
are left out, weights renormalised); the evaluation scores the weighted mean of the sections
that have answers, × 100. A critical item answered at its lowest fails the evaluation: score 0,
the failing item named. Scores are Decimals rounded half up to 2 places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


@dataclass(frozen=True)
class ItemDef:
    key: int
    section: int
    kind: str  # yes_no | scale | points
    weight: Decimal
    critical: bool = False
    max_points: int = 1
    allow_na: bool = True
    text: str = ""


@dataclass(frozen=True)
class SectionDef:
    key: int
    weight: Decimal
    title: str = ""


@dataclass
class Result:
    score: Decimal
    sections: dict[int, Decimal | None]  # 0..100 per section, None when all N/A
    failed_item: ItemDef | None


class ScoreError(ValueError):
    def __init__(self, item: ItemDef, message: str):
        super().__init__(message)
        self.item = item


def normalise(item: ItemDef, value: Decimal) -> Decimal:
    if item.kind == "yes_no":
        if value not in (0, 1):
            raise ScoreError(item, f"'{item.text}': answer yes (1) or no (0).")
        return Decimal(value)
    if item.kind == "scale":
        if value != value.to_integral_value() or not 1 <= value <= 7:
            raise ScoreError(item, f"'{item.text}': a whole number from 1 to 7.")
        return (Decimal(value) - 1) / 6
    if not 0 <= value <= item.max_points:
        raise ScoreError(item, f"'{item.text}': 0 to {item.max_points} points.")
    return Decimal(value) / item.max_points


def lowest(item: ItemDef, value: Decimal) -> bool:
    return normalise(item, value) == 0


def score(sections: list[SectionDef], items: list[ItemDef], answers: dict[int, Decimal | None]) -> Result:
    """The evaluation's score from `answers` (item key → value, None for N/A). Every item must
    be answered; N/A only where the item allows it."""
    for item in items:
        if item.key not in answers:
            raise ScoreError(item, f"'{item.text}' is not answered.")
        if answers[item.key] is None and not item.allow_na:
            raise ScoreError(item, f"'{item.text}' cannot be N/A.")
    failed = next((i for i in items if i.critical and answers[i.key] is not None
                   and lowest(i, Decimal(answers[i.key]))), None)
    per_section: dict[int, Decimal | None] = {}
    for s in sections:
        scored = [(i.weight, normalise(i, Decimal(answers[i.key]))) for i in items
                  if i.section == s.key and answers[i.key] is not None and i.weight > 0]
        total_w = sum((w for w, _ in scored), Decimal(0))
        per_section[s.key] = (sum((w * v for w, v in scored), Decimal(0)) / total_w * 100) if total_w else None
    counted = [(s.weight, per_section[s.key]) for s in sections if per_section[s.key] is not None and s.weight > 0]
    total_w = sum((w for w, _ in counted), Decimal(0))
    raw = sum((w * v for w, v in counted), Decimal(0)) / total_w if total_w else Decimal(0)
    rounded = {k: (v.quantize(TWO, ROUND_HALF_UP) if v is not None else None) for k, v in per_section.items()}
    if failed is not None:
        return Result(score=Decimal("0.00"), sections=rounded, failed_item=failed)
    return Result(score=raw.quantize(TWO, ROUND_HALF_UP), sections=rounded, failed_item=None)


# --- QA-5 appraisal ------------------------------------------------------------------------

APPRAISAL_ITEMS: list[tuple[str, str, int]] = [
    ("performance", "goal_attainment", 10), ("performance", "efficiency", 10), ("performance", "quality", 10),
    ("performance", "improvement", 10),
    ("ability", "persuasion", 10), ("ability", "expression", 10), ("ability", "system_skill", 10),
    ("ability", "learning", 10),
    ("attitude", "attendance", 10), ("attitude", "responsibility", 5), ("attitude", "initiative", 5),
]
APPRAISAL_MAX = {key: points for _, key, points in APPRAISAL_ITEMS}


def grade(total: Decimal | float) -> str:
    """A > 95, B 85–95, C 75–<85, D 65–<75, E < 65."""
    t = Decimal(str(total))
    if t > 95:
        return "A"
    if t >= 85:
        return "B"
    if t >= 75:
        return "C"
    if t >= 65:
        return "D"
    return "E"


def appraisal_total(scores: dict[str, float | int | str]) -> Decimal:
    """Sum of the 11 items, each within its maximum (a ValueError names the first bad one)."""
    total = Decimal(0)
    for _, key, points in APPRAISAL_ITEMS:
        if key not in scores:
            raise ValueError(f"{key} is not scored")
        try:
            v = Decimal(str(scores[key]))
        except ArithmeticError:
            raise ValueError(f"{key}: a number from 0 to {points}") from None
        if not 0 <= v <= points:
            raise ValueError(f"{key}: a number from 0 to {points}")
        total += v
    return total.quantize(TWO, ROUND_HALF_UP)
