"""Admin screens of the devices app, one module per area."""

from devices.admin import access, device, events  # noqa: F401 - registers the ModelAdmins
