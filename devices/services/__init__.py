"""Writes on devices, one module per subdomain; import from the module that owns the service."""
