from django import forms

from accounts.models import TENANT_ROLES
from billing.models import Edition

ROLE_CHOICES = [(r.value, r.label) for r in TENANT_ROLES]


class SignupForm(forms.Form):
    company = forms.CharField(max_length=120, label="Company name")
    slug = forms.CharField(max_length=40, label="Your address", help_text="Lowercase letters, digits, hyphens")
    admin_name = forms.CharField(max_length=120, required=False, label="Your name")
    admin_email = forms.EmailField(label="Work e-mail")
    password = forms.CharField(widget=forms.PasswordInput, label="Password",
                               help_text="At least 8 characters with letters and digits")
    edition = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [(e.code, f"{e.name} — {e.seat_price} {e.currency} / seat / month")
                                          for e in Edition.objects.filter(is_public=True)]


class LoginForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    password = forms.CharField(widget=forms.PasswordInput, label="Password")


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    full_name = forms.CharField(max_length=120, required=False, label="Name")
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=["agent"])


class AcceptInviteForm(forms.Form):
    full_name = forms.CharField(max_length=120, required=False, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, label="Choose a password")


class SeatsForm(forms.Form):
    seat_cap = forms.IntegerField(min_value=1, label="Seats")
