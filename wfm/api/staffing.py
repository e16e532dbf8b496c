"""WFM API: the staffing calculators (Erlang C / A, trunk and seat sizing)."""

from __future__ import annotations

import math

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import OnTenantDomain
from wfm import erlang, sizing
from wfm.api.common import IsPlanner
from wfm.api.common import query as _query


class ErlangQuery(serializers.Serializer):
    calls = serializers.FloatField(min_value=0, max_value=1_000_000, help_text="calls offered in the interval")
    interval_s = serializers.IntegerField(min_value=60, max_value=86_400, default=1800)
    aht_s = serializers.FloatField(min_value=1, max_value=86_400, help_text="average handle time, seconds")
    target_sl = serializers.FloatField(min_value=0.01, max_value=0.999, default=0.8)
    threshold_s = serializers.FloatField(min_value=0, max_value=3600, default=20)
    max_occupancy = serializers.FloatField(min_value=0.1, max_value=1.0, default=1.0)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.95, default=0.0)
    patience_s = serializers.FloatField(min_value=1, max_value=86_400, required=False,
                                        help_text="mean caller patience: switches to Erlang A")
    agents = serializers.IntegerField(min_value=1, max_value=5000, required=False,
                                      help_text="evaluate this many agents instead of searching")

    def validate(self, data):
        load = data["calls"] * data["aht_s"] / data["interval_s"]
        if load > 4000:
            raise serializers.ValidationError({"calls": f"the load is {load:.0f} Erlangs; the calculator stops at "
                                                        "4,000 (split the queue or the interval)."})
        return data


def erlang_answer(q: dict) -> dict:
    """The calculator's answer: agents for the target (or the figures of `agents`), the
    sensitivity around it and the agents to schedule after shrinkage."""
    args = (q["calls"], q["aht_s"], q["interval_s"])
    patience = q.get("patience_s")
    if patience:
        try:
            if q.get("agents"):
                best = erlang.erlang_a(q["agents"], *args, patience, q["threshold_s"])
            else:
                best = erlang.agents_for_sl_a(*args, q["target_sl"], q["threshold_s"], patience)
        except erlang.ErlangTooLarge as exc:
            raise serializers.ValidationError({"patience_s": [str(exc)]}) from None
        out = {"model": "erlang_a", **best, "load_erlangs": round(erlang.traffic(*args).item(), 4)}
    else:
        if q.get("agents"):
            s = erlang.metrics_for_agents(q["agents"], *args, q["threshold_s"])
        else:
            s = erlang.agents_for_sl(*args, q["target_sl"], q["threshold_s"], q["max_occupancy"])
        out = {"model": "erlang_c", **s.row()}
        if math.isinf(out["asa_s"]):
            out["asa_s"] = None  # the agents cannot carry the load: the queue grows without bound
    n = out["agents"]
    around = [m for m in range(max(1, n - 3), n + 4)]
    table = erlang.metrics_for_agents(around, *args, q["threshold_s"])
    out["sensitivity"] = [{"agents": m, "service_level": round(float(table.service_level[i]), 4)}
                          for i, m in enumerate(around)]
    out["shrinkage"] = q["shrinkage"]
    out["scheduled"] = int(erlang.scheduled_for(n, q["shrinkage"]))
    return out


class ErlangView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[ErlangQuery], responses={200: dict},
                   summary="Agents for a service-level target (Erlang C; Erlang A with patience_s)")
    def get(self, request):
        return Response(erlang_answer(_query(ErlangQuery, request)))


class SizingQuery(serializers.Serializer):
    users = serializers.FloatField(min_value=1, max_value=1e10)
    calls_per_user_month = serializers.FloatField(min_value=0.0001, max_value=10_000)
    days_per_month = serializers.FloatField(min_value=1, max_value=31, default=30)
    busy_day_factor = serializers.FloatField(min_value=0.1, max_value=31, default=2.0)
    busy_hour_factor = serializers.FloatField(min_value=0.001, max_value=1, default=0.1)
    agent_share = serializers.FloatField(min_value=0.001, max_value=1, default=0.25)
    talk_s = serializers.FloatField(min_value=1, max_value=86_400, default=90)
    wrap_s = serializers.FloatField(min_value=0, max_value=86_400, default=5)
    agent_load = serializers.FloatField(min_value=0.05, max_value=1, default=0.8)
    trunk_load_erlangs = serializers.FloatField(min_value=0.05, max_value=1, default=0.7)
    target_blocking = serializers.FloatField(min_value=0.0001, max_value=0.5, default=0.01)

    def validate(self, data):
        load = (data["users"] * data["calls_per_user_month"] / data["days_per_month"] * data["busy_day_factor"]
                * data["busy_hour_factor"] * data["agent_share"] * data["talk_s"] / 3600)
        if load > 20_000:
            raise serializers.ValidationError({"users": f"the busy hour carries {load:.0f} Erlangs; size at most "
                                                        "20,000 at a time (split by site or region)."})
        return data


class SizingView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[SizingQuery], responses={200: dict},
                   summary="Trunk and seat sizing: the load-factor method and Erlang B trunks")
    def get(self, request):
        return Response(sizing.size(sizing.SizingInput(**_query(SizingQuery, request))))
