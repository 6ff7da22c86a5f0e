"""Tests of Flask-OCPI's OCPI 2.1.1 layer (schemas, views)."""
