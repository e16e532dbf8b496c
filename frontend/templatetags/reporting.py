from django import template

register = template.Library()


@register.filter
def time_hm(seconds) -> str:
    """Seconds as h:mm (report tables)."""
    if seconds in (None, ""):
        return "–"
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


@register.filter
def time_ms(seconds) -> str:
    """Seconds as m:ss (a moment in a recording)."""
    if seconds in (None, ""):
        return "–"
    s = int(seconds)
    return f"{s // 60}:{s % 60:02d}"


@register.filter
def pct(ratio) -> str:
    """A ratio (0.0234) as a percentage with one decimal (2.3 %); – when there is none yet."""
    if ratio in (None, ""):
        return "–"
    return f"{float(ratio) * 100:.1f} %"
