from django.shortcuts import render

from config.errors import ServiceError
from frontend.forms import SignupForm
from tenants.selectors import tenant_url
from tenants.services import tenant_signup


def landing(request):
    return render(request, "public/landing.html")


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = tenant_signup(ip=request.META.get("REMOTE_ADDR"), **{
                k: form.cleaned_data[k] for k in ("company", "slug", "admin_email", "password", "edition", "admin_name")
            })
        except ServiceError as exc:
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            return render(request, "public/signup_done.html", {"url": tenant_url(tenant), "slug": tenant.slug,
                                                               "email": form.cleaned_data["admin_email"]})
    return render(request, "public/signup.html", {"form": form}, status=400 if form.errors else 200)
