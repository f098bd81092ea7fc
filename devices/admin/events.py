from django.contrib import admin

from devices.models import UpstreamEvent


@admin.register(UpstreamEvent)
class UpstreamEventAdmin(admin.ModelAdmin):
    list_display = ["event", "source", "device", "status", "received_at"]
    list_filter = ["source", "status", "event"]
    search_fields = ["event", "account_jid", "session_id", "dedupe_key"]
    list_select_related = ["device"]
    raw_id_fields = ["device"]
    readonly_fields = [
        "device",
        "source",
        "event",
        "account_jid",
        "session_id",
        "dedupe_key",
        "payload",
        "received_at",
        "processed_at",
    ]
