from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """200 when Postgres and Redis answer, 503 otherwise (load balancers and `make run` poll it)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, never raise, from a health probe
        checks["database"] = f"down: {type(exc).__name__}"
    try:
        import redis
        from django.conf import settings

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"down: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
