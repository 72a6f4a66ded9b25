"""Releases of the catalogue as the service runs them: loading, importing, exporting, assembling, publishing."""
