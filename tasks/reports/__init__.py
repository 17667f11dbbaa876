"""Progress reports and the dashboard: one data selector (`data`), SVG charts (`charts`), and two
renderings of the same data, PDF (`pdf`, WeasyPrint) and Excel (`xlsx`, openpyxl)."""
