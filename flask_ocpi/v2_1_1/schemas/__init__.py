"""OCPI 2.1.1 wire schemas, one file per module."""
