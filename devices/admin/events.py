from django.contrib import admin

from devices.models import UpstreamEvent


@admin.register(UpstreamEvent)
class UpstreamEventAdmin(admin.ModelAdmin):
    """The record of what the upstream sent: read, searched and (to purge) deleted, never
    written by hand. A busy table: no COUNT(*) per page, and no filter built from a DISTINCT
    over every event name (search for one instead)."""

    list_display = ["event", "source", "device", "status", "received_at"]
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
