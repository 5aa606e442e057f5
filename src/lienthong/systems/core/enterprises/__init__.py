"""The enterprise registry (doanh nghiệp): enterprises and their dependent units by code."""
