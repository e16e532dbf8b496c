from decimal import Decimal

from django.db import models


class Edition(models.Model):
    """A plan a tenant subscribes to (BIL-1): seat rent and the features it includes."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    seat_price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    max_seats = models.PositiveIntegerField(default=500)
    default_seats = models.PositiveIntegerField(default=10)
    features = models.JSONField(default=list, help_text="Feature codes included (tenants.features).")
    is_public = models.BooleanField(default=True, help_text="Offered on the signup page.")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name
