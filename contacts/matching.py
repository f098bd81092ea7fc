"""Ignore rules as ingest applies them: loaded once per batch, matched per message.

A rule of kind `contact` names a person (phone JID or LID; bare digits are read as a phone),
`group` a group JID, `keyword` a whole word of the text, case-insensitive. The first rule
that matches is the one a message is flagged with; contact and group rules come before
keywords, since they say more about why the message is unwanted.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from contacts.models import IgnoreRule

__all__ = ["IgnoreRules", "ignore_rules_for_devices"]

_NOT_DIGITS = re.compile(r"[^0-9]")


@dataclass
class IgnoreRules:
    """The active rules of one device."""

    people: dict[str, uuid.UUID] = field(default_factory=dict)
    groups: dict[str, uuid.UUID] = field(default_factory=dict)
    keywords: dict[str, uuid.UUID] = field(default_factory=dict)
    _keyword_re: re.Pattern[str] | None = None

    def add(self, rule: IgnoreRule) -> None:
        value = rule.value.strip()
        if rule.kind == IgnoreRule.Kind.KEYWORD:
            self.keywords.setdefault(value.casefold(), rule.pk)
            self._keyword_re = None
        elif rule.kind == IgnoreRule.Kind.GROUP:
            self.groups.setdefault(value, rule.pk)
        else:
            self.people.setdefault(_person_jid(value), rule.pk)

    def match(
        self, *, chat_jid: str, sender_jid: str = "", sender_lid: str = "", text: str = ""
    ) -> uuid.UUID | None:
        """The id of the first rule the message falls under, or None."""
        if chat_jid in self.groups:
            return self.groups[chat_jid]
        for jid in (sender_jid, sender_lid, chat_jid):
            if jid and jid in self.people:
                return self.people[jid]
        if text and self.keywords:
            found = self._keyword_pattern().search(text)
            if found:
                word = found.group(0).casefold()
                # Case-insensitive matching folds a few letters differently from casefold().
                return self.keywords.get(word) or next(
                    pk
                    for key, pk in self.keywords.items()
                    if re.fullmatch(re.escape(key), word, re.I)
                )
        return None

    def _keyword_pattern(self) -> re.Pattern[str]:
        if self._keyword_re is None:
            # One alternation for all of a device's keywords, longest first so that a longer
            # keyword is not shadowed by its prefix; lookarounds make each a whole word.
            words = sorted(self.keywords, key=len, reverse=True)
            alternation = "|".join(re.escape(word) for word in words)
            self._keyword_re = re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)", re.I)
        return self._keyword_re


def _person_jid(value: str) -> str:
    if "@" in value:
        return value
    return _NOT_DIGITS.sub("", value) + "@s.whatsapp.net"


def ignore_rules_for_devices(device_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, IgnoreRules]:
    """Every given device's active rules (an empty set for a device without any), in one
    query, oldest rule first so the first match is stable."""
    wanted = set(device_ids)
    rules: dict[uuid.UUID, IgnoreRules] = defaultdict(IgnoreRules)
    for rule in IgnoreRule.objects.filter(device_id__in=wanted, is_active=True).order_by(
        "created_at", "id"
    ):
        rules[rule.device_id].add(rule)
    return {device_id: rules[device_id] for device_id in wanted}
