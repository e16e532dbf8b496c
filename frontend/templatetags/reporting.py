from django import template

register = template.Library()


@register.filter
def time_hm(seconds) -> str:
    """Seconds as h:mm (report tables)."""
    if seconds in (None, ""):
        return "–"
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
