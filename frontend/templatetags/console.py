from django import template

register = template.Library()


@register.filter
def fields_named(form, names: str):
    """The bound fields of `form` listed in `names` (space-separated), in that order."""
    return [form[name] for name in names.split()]
