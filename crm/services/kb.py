"""Knowledge base and call scripts (CRM-6): every save is a new version (the old ones stay
readable), full-text search is Postgres' (weighted title > tags > body), and each opening is
counted so the most asked-about topics rise to the top. Scripts can carry an identity-check
step: the agent confirms the caller's identity before disclosing anything (CRM-8), which is
recorded on the call."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import Article, ArticleKind, ArticleUse, ArticleVersion

STEP_TYPES = ("say", "ask", "identity_check")
MAX_STEPS = 50
MAX_BODY = 50_000


def _clean_steps(steps) -> list[dict]:
    if steps in (None, ""):
        return []
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise field_error("steps", f"steps: a list of at most {MAX_STEPS} steps.")
    out = []
    for i, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or step.get("type") not in STEP_TYPES:
            raise field_error("steps", f"step {i}: give a type, one of {', '.join(STEP_TYPES)}.")
        text = str(step.get("text") or "").strip()
        if not text or len(text) > 2000:
            raise field_error("steps", f"step {i}: give its text (1–2000 characters).")
        out.append({"type": step["type"], "text": text})
    return out


def clean_article(data: dict, *, current: Article | None = None) -> dict:
    def pick(name, default):
        return data[name] if name in data else (getattr(current, name) if current else default)

    kind = pick("kind", ArticleKind.ARTICLE)
    if kind not in ArticleKind.values:
        raise field_error("kind", f"'{kind}' is not a kind; use {', '.join(ArticleKind.values)}.")
    title = str(pick("title", "") or "").strip()
    if not title or len(title) > 200:
        raise field_error("title", "Give a title of 1–200 characters.")
    body = str(pick("body", "") or "")
    if len(body) > MAX_BODY:
        raise field_error("body", f"Keep the text under {MAX_BODY} characters.")
    steps = _clean_steps(pick("steps", []))
    if kind == ArticleKind.SCRIPT and not steps and not body.strip():
        raise field_error("steps", "A script needs steps (or at least a text).")
    tags = pick("tags", [])
    if not isinstance(tags, list) or any(not isinstance(t, str) or not 0 < len(t.strip()) <= 40 for t in tags):
        raise field_error("tags", "tags: a list of words of 1–40 characters.")
    queue = pick("queue", None)
    queue_id = getattr(queue, "pk", queue)
    if queue_id is not None:
        from telephony.models import Queue

        if not Queue.objects.filter(pk=queue_id).exists():
            raise field_error("queue", f"There is no queue {queue_id}.")
    return {"kind": kind, "title": title, "body": body, "steps": steps, "tags": sorted({t.strip() for t in tags}),
            "queue_id": queue_id, "campaign": str(pick("campaign", "") or "")[:80],
            "active": bool(pick("active", True))}


def _reindex(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(search=(
        SearchVector("title", weight="A", config="english")
        + SearchVector(Coalesce(Value(" ".join(article.tags)), Value("")), weight="B", config="english")
        + SearchVector("body", weight="C", config="english")))


@transaction.atomic
def article_save(*, data: dict, actor: User, article: Article | None = None, note: str = "") -> Article:
    """Create an article/script or save a new version of one (the previous stays in history)."""
    from telephony import clock

    fields = clean_article(data, current=article)
    if article is None:
        article = Article.objects.create(**fields, version=1, updated_at=clock.now())
    else:
        article = Article.objects.select_for_update().get(pk=article.pk)
        for k, v in fields.items():
            setattr(article, k, v)
        article.version += 1
        article.updated_at = clock.now()
        article.save()
    ArticleVersion.objects.create(article=article, version=article.version, title=article.title, body=article.body,
                                  steps=article.steps, author_email=actor.email, note=(note or "")[:200])
    _reindex(article)
    audit_record(actor=actor, action="kb.save", target=article,
                 summary=f"{article.get_kind_display()} '{article.title}' saved as version {article.version}")
    return article


@transaction.atomic
def article_use(*, article: Article, user: User, call=None, query: str = "") -> None:
    ArticleUse.objects.create(article=article, user=user, call=call, query=(query or "")[:200])
    Article.objects.filter(pk=article.pk).update(uses=F("uses") + 1)


@transaction.atomic
def identity_verified(*, call, user: User, method: str, ip: str | None = None) -> None:
    """The agent checked the caller's identity (script step) before disclosing anything."""
    from telephony.services.common import call_event

    method = (method or "").strip()
    if not method or len(method) > 120:
        raise field_error("method", "Say how the identity was checked (e.g. 'date of birth and postcode').")
    if call.agent_id != user.pk:
        raise ServiceError("not_your_call", "Only the agent on the call can confirm the caller's identity.",
                           status_code=403)
    call_event(call, "identity_verified", actor=user, method=method)
    audit_record(actor=user, action="call.identity_verified", target=call, ip=ip,
                 summary=f"{user.email} verified the caller's identity on call {call.pk} ({method})")
