"""Services of the tasks app: the only code that writes plans, tasks and notifications."""
