"""What messaging announces, for the apps after it (agents) to listen to: messaging never
imports them (PRODUCT.md §3)."""

from django.dispatch import Signal

# Sent once the transaction that stored them commits, with `message_ids`: the new inbound
# messages (not from the account itself) of one drain batch, oldest first. Ignored messages
# are included, flagged: a listener decides what to do with them.
inbound_messages_stored = Signal()
