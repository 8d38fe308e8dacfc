"""Bulk import of ASN from CSV: upload, preview with every problem, confirm, download passwords."""
