"""Files made from records: PDFs (and Word files)."""
