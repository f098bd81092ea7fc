from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models

from accounts.models import User

# The password form, plus "Log in with Logto" when OIDC admin login is configured.
admin.site.login_template = "accounts/admin_login.html"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "name", "oidc_subject"]
    readonly_fields = ["oidc_subject", "last_login", "date_joined"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Identity provider", {"fields": ("oidc_subject", "name", "picture_url")}),
    )
