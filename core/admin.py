from django.contrib import admin

from core.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["source", "worker", "beat_at", "count"]
    search_fields = ["source", "worker"]
    readonly_fields = ["source", "worker", "beat_at", "count"]

    def has_add_permission(self, request) -> bool:
        return False
