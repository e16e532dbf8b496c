"""Reports API: `GET /api/v1/reports/kpis` — the one KPI engine over a period, grouped."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminOrSupervisor, OnTenantDomain
from config.drf import period_of
from config.errors import field_error
from reports import kpis, selectors

MSG_GROUP = "group_by: up to two of {names}, separated by a comma."


def _group_by(raw: str) -> list[str]:
    dims = [d.strip() for d in (raw or "").split(",") if d.strip()]
    names = ", ".join(kpis.GROUPS)
    if len(dims) > selectors.MAX_GROUPS or any(d not in kpis.GROUPS for d in dims) or len(set(dims)) != len(dims):
        raise field_error("group_by", MSG_GROUP.format(names=names))
    return dims


class KpiReportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(parameters=[
        OpenApiParameter("from", str, description="YYYY-MM-DD, tenant's timezone"),
        OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive"),
        OpenApiParameter("group_by", str, description=f"up to two of: {', '.join(kpis.GROUPS)}"),
        OpenApiParameter("queue", int), OpenApiParameter("export", str, enum=["csv"]),
        OpenApiParameter("service", bool, description="add FCR, complaint rate, repeat calls, CSAT")],
        responses={200: dict}, summary="Call KPIs (SPEC §9) for a period, grouped; ?export=csv for a file")
    def get(self, request):
        start, end = period_of(request)
        group_by = _group_by(request.query_params.get("group_by", ""))
        queue = request.query_params.get("queue", "")
        if queue and not queue.isdigit():
            raise field_error("queue", "queue: a queue id.")
        report = selectors.kpi_report(start=start, end=end, group_by=group_by, queue_id=int(queue) if queue else None,
                                      service=request.query_params.get("service") in ("1", "true"))
        if request.query_params.get("export") == "csv":
            resp = HttpResponse(selectors.kpi_report_csv(report), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = 'attachment; filename="kpis.csv"'
            return resp
        return Response(report)


class AgentReportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str),
                               OpenApiParameter("export", str, enum=["csv"])],
                   responses={200: dict}, summary="Agent performance: calls, AHT, hold, ACW, occupancy, utilisation")
    def get(self, request):
        start, end = period_of(request)
        rows = selectors.agent_report(start=start, end=end)
        if request.query_params.get("export") == "csv":
            import csv
            import io

            out = io.StringIO()
            w = csv.writer(out)
            w.writerow(["agent", *selectors.AGENT_COLUMNS])
            for r in rows:
                w.writerow([r["email"], *(r[c] for c in selectors.AGENT_COLUMNS)])
            resp = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = 'attachment; filename="agents.csv"'
            return resp
        return Response({"from": start.isoformat(), "to": end.isoformat(), "rows": rows})
