"""Scorecards (QA-1): created and revised as versions; a revision never touches the
evaluations scored on an older version."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.services import audit_record
from config.errors import ServiceError, field_error
from qa import scoring
from qa.models import Item, Scorecard, ScorecardVersion, Section

KINDS = {k.value for k in Item.Kind}


def _dec(value, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error("sections", f"{where}: weight must be a number.") from None
    if d < 0 or d > 1000:
        raise field_error("sections", f"{where}: weight must be between 0 and 1000.")
    return d


def clean_sections(sections) -> list[dict]:
    """The sections and items of a scorecard, checked; a message names the bad one."""
    if not isinstance(sections, list) or not sections:
        raise field_error("sections", "a scorecard needs at least one section with items.")
    out = []
    for si, s in enumerate(sections, 1):
        if not isinstance(s, dict) or not str(s.get("title", "")).strip():
            raise field_error("sections", f"section {si}: give it a title.")
        items = s.get("items")
        if not isinstance(items, list) or not items:
            raise field_error("sections", f"section '{s['title']}': add at least one item.")
        clean_items = []
        for ii, it in enumerate(items, 1):
            where = f"section '{s['title']}', item {ii}"
            if not isinstance(it, dict) or not str(it.get("text", "")).strip():
                raise field_error("sections", f"{where}: say what is checked.")
            if it.get("kind") not in KINDS:
                raise field_error("sections", f"{where}: kind is one of {', '.join(sorted(KINDS))}.")
            max_points = int(it.get("max_points", 1) or 1)
            if it["kind"] == "points" and not 1 <= max_points <= 100:
                raise field_error("sections", f"{where}: max_points from 1 to 100.")
            clean_items.append({"text": str(it["text"]).strip()[:200], "kind": it["kind"],
                                "weight": _dec(it.get("weight", 1), where), "critical": bool(it.get("critical")),
                                "max_points": max_points if it["kind"] == "points" else 1,
                                "allow_na": bool(it.get("allow_na", True))})
        if sum(i["weight"] for i in clean_items) <= 0 and not any(i["critical"] for i in clean_items):
            raise field_error("sections", f"section '{s['title']}': give at least one item a weight.")
        out.append({"title": str(s["title"]).strip()[:80], "weight": _dec(s.get("weight", 1), f"section {si}"),
                     "items": clean_items})
    if sum(s["weight"] for s in out) <= 0:
        raise field_error("sections", "give at least one section a weight.")
    return out


def _write_version(scorecard: Scorecard, sections: list[dict], note: str, by) -> ScorecardVersion:
    number = (scorecard.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ScorecardVersion.objects.create(scorecard=scorecard, number=number, note=note[:200], created_by=by)
    for si, s in enumerate(sections):
        section = Section.objects.create(version=version, title=s["title"], weight=s["weight"], position=si)
        Item.objects.bulk_create(Item(section=section, position=ii, **it) for ii, it in enumerate(s["items"]))
    return version


@transaction.atomic
def scorecard_create(*, name: str, sections, description: str = "", by=None) -> Scorecard:
    if not (name or "").strip():
        raise field_error("name", "name the scorecard.")
    if Scorecard.objects.filter(name=name.strip()).exists():
        raise field_error("name", "a scorecard with this name exists; revise it instead.")
    clean = clean_sections(sections)
    card = Scorecard.objects.create(name=name.strip()[:80], description=(description or "")[:300])
    _write_version(card, clean, "first version", by)
    audit_record(actor=by, action="qa.scorecard_create", target=card, summary=f"Scorecard {card.name}")
    return card


@transaction.atomic
def scorecard_revise(*, scorecard: Scorecard, sections, note: str = "", active: bool | None = None,
                     by=None) -> ScorecardVersion:
    """A new version (and, with `active`, switched on or off); evaluations already scored keep
    theirs. A change calls for calibration."""
    clean = clean_sections(sections)  # before any write: a refused revision changes nothing
    if active is not None and active != scorecard.active:
        scorecard.active = active
        scorecard.save(update_fields=["active"])
    version = _write_version(scorecard, clean, note or "revised", by)
    audit_record(actor=by, action="qa.scorecard_revise", target=scorecard,
                 summary=f"Scorecard {scorecard.name} is now version {version.number}")
    return version


def version_defs(version: ScorecardVersion) -> tuple[list[scoring.SectionDef], list[scoring.ItemDef]]:
    sections, items = [], []
    for s in version.sections.prefetch_related("items"):
        sections.append(scoring.SectionDef(key=s.pk, weight=s.weight, title=s.title))
        items += [scoring.ItemDef(key=i.pk, section=s.pk, kind=i.kind, weight=i.weight, critical=i.critical,
                                  max_points=i.max_points, allow_na=i.allow_na, text=i.text) for i in s.items.all()]
    return sections, items


def version_as_dict(version: ScorecardVersion) -> dict:
    return {"id": version.pk, "scorecard": version.scorecard_id, "name": version.scorecard.name,
            "number": version.number, "note": version.note, "created_at": version.created_at.isoformat(),
            "sections": [{"id": s.pk, "title": s.title, "weight": str(s.weight), "items": [
                {"id": i.pk, "text": i.text, "kind": i.kind, "weight": str(i.weight), "critical": i.critical,
                 "max_points": i.max_points, "allow_na": i.allow_na} for i in s.items.all()]}
                for s in version.sections.prefetch_related("items")]}


class NoScorecard(ServiceError):
    def __init__(self):
        super().__init__("no_scorecard", "No active scorecard: create one (or activate one) first.",
                         status_code=409)
