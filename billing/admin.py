from django.contrib import admin

from billing.models import Edition


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "seat_price", "currency", "max_seats", "is_public")
