"""OCPI 2.1.1 views, one file per module."""
