"""The tax registry (thuế): taxpayers by tax code, their status and debt."""
