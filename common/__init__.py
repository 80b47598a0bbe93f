"""Helpers that every app uses and that import no app of the portal (the way NetBox keeps `utilities/` apart):
admin support, and, as the apps' shared pieces move here, CSV files, DRF glue, charts and formatting."""
