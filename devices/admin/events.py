from django.contrib import admin, messages

from devices.models import UpstreamEvent
from devices.services.processing import upstream_events_reprocess


@admin.register(UpstreamEvent)
class UpstreamEventAdmin(admin.ModelAdmin):
    """The record of what the upstream sent: read, searched and (to purge) deleted, never
    written by hand. A busy table: no COUNT(*) per page, and no filter built from a DISTINCT
    over every event name (search for one instead)."""

    list_display = ["event", "source", "device", "status", "error_short", "received_at",
                    "processed_at"]
    actions = ["reprocess"]
    list_filter = ["source", "status"]
    search_fields = ["event", "account_jid", "session_id", "dedupe_key"]
    list_select_related = ["device"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    raw_id_fields = ["device"]
    readonly_fields = [
        "device",
        "source",
        "event",
        "account_jid",
        "session_id",
        "dedupe_key",
        "payload",
        "status",
        "error",
        "received_at",
        "processed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="reason")
    def error_short(self, event: UpstreamEvent) -> str:
        return event.error[:80]

    @admin.action(description="Process the selected events again")
    def reprocess(self, request, queryset) -> None:
        """The same path as `manage.py replay_events`: idempotent, mismatches left alone."""
        events = list(queryset.select_related(None).only("id"))
        settled = upstream_events_reprocess(events=events)
        self.message_user(
            request, f"{settled} event(s) processed again.", level=messages.SUCCESS
        )
