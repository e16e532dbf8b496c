"""What agents pick from, per tenant: not-ready reasons and wrap-up (disposition) codes."""

from django.db import models


class NotReadyCode(models.Model):
    """A reason an agent may give for not taking calls (break, lunch, …). `missed` and
    `supervisor` are the system's own reasons and never appear here."""

    code = models.SlugField(max_length=20, unique=True)
    label = models.CharField(max_length=40)
    active = models.BooleanField(default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort", "label"]

    def __str__(self) -> str:
        return self.label


class WrapUpCode(models.Model):
    """A disposition an agent records on the wrap-up form."""

    label = models.CharField(max_length=40, unique=True)
    active = models.BooleanField(default=True)
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort", "label"]

    def __str__(self) -> str:
        return self.label
