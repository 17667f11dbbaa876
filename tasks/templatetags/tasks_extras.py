"""Small helpers of the task templates."""
from django import template

register = template.Library()


@register.simple_tag
def days_left(task, today):
    """Days until the task's deadline (negative when late)."""
    return (task.deadline - today).days


@register.filter
def abs_int(value):
    return abs(int(value))
