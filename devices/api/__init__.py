"""The devices API: views per area, serializers, URLs (`devices:` namespace)."""
