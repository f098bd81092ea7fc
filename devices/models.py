# Device, DeviceMembership and DeviceApiKey arrive with the access-control issue.
