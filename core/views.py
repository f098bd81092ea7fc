"""Process health (/healthz) and readiness (/readyz) for load balancers and orchestrators."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.readiness import run_checks


@never_cache
@require_GET
def healthz(request):
    """The process answers; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Database, broker and cache each answer within a short timeout; 503 names what failed."""
    results = run_checks()
    failed = [name for name, reason in results.items() if reason]
    checks = {name: ("ok" if reason is None else "failed") for name, reason in results.items()}
    if failed:
        body = {
            "code": "not_ready",
            "message": "Not ready: " + ", ".join(failed) + ".",
            "checks": checks,
        }
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "checks": checks})
