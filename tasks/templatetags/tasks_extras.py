"""Small helpers of the task templates."""
from django import template

register = template.Library()


@register.simple_tag
def days_left(task, today):
    """Days until the task's deadline (negative when late)."""
    return task.days_left(today)


@register.filter
def abs_int(value):
    return abs(int(value))
