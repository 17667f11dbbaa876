"""What the regions tell the rest of the project: that an import added regions (the census then creates the shipped
policies whose jurisdiction now exists). Regions import nothing of the census."""
from django.dispatch import Signal

# sent after an import wrote regions; `codes`: the codes it created
regions_imported = Signal()
