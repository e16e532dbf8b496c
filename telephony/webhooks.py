"""Carrier webhooks (TEL-2, TEL-3, REL-1). Thin: verify, deduplicate, call one service.

Every request must carry a valid `X-Twilio-Signature` made with *this* tenant's token
(403 and nothing written otherwise). Each state-changing webhook is keyed on (CallSid,
event): the key is written in the same transaction as the change, so a replay — Twilio
delivers at least once — gets the stored answer and changes nothing. The answer goes
back only after commit, so an acknowledged webhook is a persisted one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.errors import ServiceError
from telephony import twiml
from telephony.addresses import number_of
from telephony.models import WebhookReceipt
from telephony.services import backlog, callbacks, calls, recordings
from telephony.signatures import signature_valid, tenant_webhook_token
from tenants.models import NumberRoute, ProviderCredential

XML = "text/xml"
MSG_SIGNATURE = "Invalid or missing X-Twilio-Signature for this account."
MSG_NUMBER = "This number is not served by this call center."


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _int(params: dict, name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, ValueError):
        raise ServiceError("invalid", f"Missing or malformed parameter '{name}'.") from None


def carrier_webhook(key: Callable[[dict], str] | None):
    """Signature check, tenant check and (CallSid, event) idempotency around a handler that
    takes the request's parameters (POST body + query) and returns TwiML."""

    def deco(handler: Callable[[dict], str]):
        @csrf_exempt
        @require_POST
        @wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            tenant = getattr(request, "tenant", None)
            if tenant is None or connection.schema_name == "public":
                return _text(404, "No call center at this address.")
            post = request.POST.dict()
            if not signature_valid(tenant_webhook_token(tenant), request.build_absolute_uri(), post,
                                   request.headers.get("X-Twilio-Signature")):
                return _text(403, MSG_SIGNATURE)
            params = {**request.GET.dict(), **post}
            sid = params.get("CallSid") or params.get("ConferenceSid") or ""
            if not sid:
                return _text(400, "Missing CallSid.")
            try:
                with transaction.atomic():
                    event = key(params)[:120] if key else None
                    if event is not None:
                        receipt = WebhookReceipt.objects.filter(call_sid=sid, event=event).first()
                        if receipt is None:
                            receipt, created = WebhookReceipt.objects.get_or_create(call_sid=sid, event=event)
                        else:
                            created = False
                        if not created:
                            return HttpResponse(receipt.response, status=receipt.status_code, content_type=XML)
                    body = handler(params)
                    if event is not None:
                        receipt.response = body
                        receipt.save(update_fields=["response"])
            except ServiceError as exc:
                return _text(exc.status_code if exc.status_code < 500 else 400, exc.message)
            return HttpResponse(body, content_type=XML)

        return view

    return deco


def _sandbox_tenant() -> bool:
    cred = ProviderCredential.objects.filter(tenant_id=connection.tenant.pk).first()
    return cred is None or cred.provider == ProviderCredential.Provider.SANDBOX


@carrier_webhook(lambda p: "incoming")
def incoming(params: dict) -> str:
    """TEL-1: the called number must belong to the tenant whose domain was called."""
    from tenants.models import TenantState

    if connection.tenant.state == TenantState.SUSPENDED:
        return twiml.reject()  # TEN-5: no new calls while suspended; nothing is recorded
    to = number_of(params.get("To", ""))
    if not NumberRoute.objects.filter(e164=to, tenant_id=connection.tenant.pk).exists():
        raise ServiceError("unknown_number", MSG_NUMBER, status_code=404)
    # The sandbox marks simulated traffic; a real carrier never sends this parameter.
    sim_run = params.get("SandboxRun", "")[:32] if _sandbox_tenant() else ""
    return calls.call_start(sid=params["CallSid"], ani=params.get("From", ""), dnis=params.get("To", ""),
                            sim_run=sim_run)


@carrier_webhook(lambda p: f"ivr:{p.get('node', '')}:{p.get('step', '')}:{'n' if p.get('noinput') else 'd'}")
def ivr_input(params: dict) -> str:
    digits = None if params.get("noinput") else params.get("Digits")
    return calls.ivr_input(sid=params["CallSid"], node_id=params.get("node", ""), step=_int(params, "step"),
                           digits=digits)


@carrier_webhook(None)
def queue_wait(params: dict) -> str:
    return calls.queue_wait_twiml(call_pk=_int(params, "call"))


@carrier_webhook(lambda p: f"voicemail:{p.get('RecordingSid', '')}")
def voicemail(params: dict) -> str:
    backlog.voicemail_received(call_pk=_int(params, "call"), recording_sid=params.get("RecordingSid", ""),
                               url=params.get("RecordingUrl", ""), duration_s=_int(params, "RecordingDuration"))
    return twiml.say_and_hangup(prompts=[{"say": "Thank you for your message. Goodbye."}])


@carrier_webhook(lambda p: f"status:{p.get('CallStatus', '')}")
def call_status(params: dict) -> str:
    calls.call_status(sid=params["CallSid"], status=params.get("CallStatus", ""))
    return twiml.empty()


@carrier_webhook(lambda p: f"leg:{p.get('leg', '')}:{p.get('CallStatus', '')}")
def leg_status(params: dict) -> str:
    calls.leg_status(leg_pk=_int(params, "leg"), sid=params["CallSid"], status=params.get("CallStatus", ""))
    return twiml.empty()


@carrier_webhook(lambda p: f"conf:{p.get('StatusCallbackEvent', '')}:{p.get('SequenceNumber', '')}")
def conference(params: dict) -> str:
    calls.conference_event(conference_name=params.get("FriendlyName", ""),
                           conference_sid=params.get("ConferenceSid", ""), event=params.get("StatusCallbackEvent", ""))
    return twiml.empty()


@carrier_webhook(lambda p: f"rec:{p.get('RecordingSid', '')}:{p.get('RecordingStatus', '')}")
def recording(params: dict) -> str:
    duration = params.get("RecordingDuration") or "0"
    recordings.recording_status(call_pk=_int(params, "call"), sid=params.get("RecordingSid", ""),
                                status=params.get("RecordingStatus", ""), url=params.get("RecordingUrl", ""),
                                duration_s=int(duration) if duration.isdigit() else 0,
                                kind=params.get("kind", "call")[:10])
    return twiml.empty()


@carrier_webhook(lambda p: f"outbound:{p.get('call', '')}")
def outbound(params: dict) -> str:
    """A callback's customer answered: join them to the room where their agent waits."""
    return callbacks.callback_customer_answered(call_pk=_int(params, "call"))


@carrier_webhook(lambda p: f"campaign:{p.get('attempt', '')}")
def campaign(params: dict) -> str:
    """A campaign's dialled party answered (AnsweredBy from machine detection)."""
    from telephony.outbound.dialer import customer_answered

    return customer_answered(attempt_pk=_int(params, "attempt"), answered_by=params.get("AnsweredBy", ""))


@carrier_webhook(lambda p: f"redirect:{p.get('call', '')}:{p.get('action', '')}")
def redirect(params: dict) -> str:
    return calls.queue_timeout_redirect(call_pk=_int(params, "call"), action=params.get("action", ""))


@carrier_webhook(lambda p: f"survey:{p.get('call', '')}:{p.get('step', '')}")
def survey(params: dict) -> str:
    """Post-call survey: the question, the caller's key, then (if unsatisfied) their reason."""
    from crm.services import surveys

    step, call_pk = params.get("step", ""), _int(params, "call")
    if step == "answer":
        answer = surveys.survey_post_call_answer(call_pk=call_pk, digits=params.get("Digits", ""))
        if answer is None:
            return twiml.say_and_hangup(prompts=[{"say": twiml.MSG_SURVEY_THANKS}])
        return twiml.survey_reason(call_pk=call_pk) if not answer.satisfied else \
            twiml.say_and_hangup(prompts=[{"say": twiml.MSG_SURVEY_THANKS}])
    if step == "reason":
        duration = params.get("RecordingDuration") or "0"
        surveys.survey_reason_recorded(call_pk=call_pk, recording_sid=params.get("RecordingSid", ""),
                                       url=params.get("RecordingUrl", ""),
                                       duration_s=int(duration) if duration.isdigit() else 0)
        return twiml.say_and_hangup(prompts=[{"say": twiml.MSG_SURVEY_THANKS}])
    return calls.survey_twiml(call_pk=call_pk)
