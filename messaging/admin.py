"""Staff's view of messages: a searchable list with status badges, and a conversation per
contact (bubbles in time order). Messages are written by ingest and the send path, never by
hand here."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from contacts.models import Contact
from messaging.models import Message

# Badge colours by status: neutral while in flight, green once through, red when it failed.
_BADGE = {
    "queued": "#888", "sending": "#888", "unknown": "#c80", "sent": "#2a7", "received": "#2a7",
    "delivered": "#2a7", "read": "#27c", "failed": "#c33", "canceled": "#888",
}  # fmt: skip
# WhatsApp's ticks: one when sent, two when delivered, two blue when read.
TICKS = {"sent": "✓", "delivered": "✓✓", "read": "✓✓", "unknown": "?", "failed": "!"}
CONVERSATION_LIMIT = 200


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "device", "contact_link", "direction", "kind", "text_short",
                    "status_badge", "is_ignored"]  # fmt: skip
    list_filter = ["direction", "status", "kind", "origin", "is_ignored"]
    search_fields = ["text", "chat_jid", "upstream_id", "contact__name", "contact__phone"]
    list_select_related = ["device", "contact"]
    date_hierarchy = "timestamp"
    # A busy table: no COUNT(*) per page.
    show_full_result_count = False
    raw_id_fields = ["device", "contact", "ignore_rule", "sent_by_user", "sent_by_api_key"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only: its changes come from the upstream and the send path

    def get_urls(self):
        conversation = self.admin_site.admin_view(self.conversation_view)
        return [
            path(
                "conversation/<uuid:contact_id>/",
                conversation,
                name="messaging_message_conversation",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="text")
    def text_short(self, message: Message) -> str:
        return message.text[:80]

    @admin.display(description="status", ordering="status")
    def status_badge(self, message: Message) -> str:
        return format_html(
            '<span style="background:{};color:#fff;border-radius:4px;padding:1px 6px">{}</span>',
            _BADGE.get(message.status, "#888"),
            message.get_status_display(),
        )

    @admin.display(description="contact", ordering="contact")
    def contact_link(self, message: Message) -> str:
        if message.contact is None:
            return message.chat_jid
        url = reverse("admin:messaging_message_conversation", args=[message.contact_id])
        return format_html('<a href="{}">{}</a>', url, message.contact)

    def conversation_view(self, request, contact_id):
        """The last messages with one contact, oldest first, as the phone shows them."""
        if not self.has_view_permission(request):
            raise Http404
        contact = get_object_or_404(Contact.objects.select_related("device"), pk=contact_id)
        recent = Message.objects.filter(contact=contact).order_by("-timestamp", "-id")
        messages = list(recent[:CONVERSATION_LIMIT])[::-1]
        return TemplateResponse(
            request,
            "messaging/admin/conversation.html",
            {
                **self.admin_site.each_context(request),
                "title": "Conversation with %s" % contact,
                "contact": contact,
                "messages": [(m, TICKS.get(m.status, "")) for m in messages],
                "truncated": len(messages) == CONVERSATION_LIMIT,
                "changelist_url": reverse("admin:messaging_message_changelist")
                + "?contact__id__exact="
                + str(contact.pk),
            },
        )
