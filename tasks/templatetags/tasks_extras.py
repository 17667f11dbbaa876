"""Small helpers of the task templates."""
from django import template

from tasks.notifications.selectors import deliveries_of

register = template.Library()


@register.simple_tag
def days_left(task, today):
    """Days until the task's deadline (negative when late)."""
    return task.days_left(today)


@register.filter
def abs_int(value):
    return abs(int(value))


@register.inclusion_tag("notifications/includes/deliveries.html")
def deliveries_for(source: str):
    """What became of the notices one object caused ("report:12"), as the task and plan pages show it: for the pages of
    apps below tasks (census's round report page), which cannot ask tasks.notifications themselves."""
    return {"deliveries": deliveries_of([source]) if source else []}


_PLACEHOLDERS = {"{county}": "××县", "{region}": "××", "{year}": "××"}


@register.filter
def placeholders_shown(wording: str) -> str:
    """A milestone's task wording as a reader of the plan understands it: "{county}委统战部" → "××县委统战部" (each
    generated task names its own place: services.template_fill)."""
    text = str(wording or "")
    for placeholder, shown in _PLACEHOLDERS.items():
        text = text.replace(placeholder, shown)
    return text
