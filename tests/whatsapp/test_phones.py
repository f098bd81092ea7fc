"""The one phone-number rule and the JID helpers (CONTRACT §7)."""

import pytest

from devices.whatsapp.phones import bare_jid, jid_for_phone, normalise_phone


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("+55 11 91234-5678", "5511912345678"),
        ("(62) 812.3456.7890", "628123456789" + "0"),
        ("0044 20 7946 0000", "442079460000"),
        ("6281234567890", "6281234567890"),
    ],
)
def test_normalise_phone(raw, digits):
    assert normalise_phone(raw) == digits
    assert jid_for_phone(raw) == digits + "@s.whatsapp.net"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "081234567",
        "+1234567890123456",
        "62812",
        "+62 812 3456 7890 ext 2",
        "+²³⁴⁵⁶⁷⁸",
        "٠١٢٣٤٥٦٧٨٩",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17",
    ],
)
def test_normalise_phone_rejects_what_is_not_an_international_number(raw):
    """National numbers, too few or too many digits, letters and non-ASCII digits: ValueError."""
    with pytest.raises(ValueError):
        normalise_phone(raw)


def test_jid_for_phone_passes_jids_through():
    assert jid_for_phone(" 120363402106000000@g.us ") == "120363402106000000@g.us"
    assert jid_for_phone("251556368777322@lid") == "251556368777322@lid"


def test_bare_jid_strips_device_suffix_only():
    assert bare_jid("6281111111111:12@s.whatsapp.net") == "6281111111111@s.whatsapp.net"
    assert bare_jid("6281111111111@s.whatsapp.net") == "6281111111111@s.whatsapp.net"
    assert bare_jid("120363402106000000@g.us") == "120363402106000000@g.us"
    assert bare_jid("") == ""
