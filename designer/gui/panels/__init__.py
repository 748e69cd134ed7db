"""Dockable panels around the canvas: palette, inspector, summary table, problems, status."""
