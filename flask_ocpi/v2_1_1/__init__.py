"""OCPI 2.1.1 (release 2.1.1-d2): wire schemas and views for this version only."""

VERSION = "2.1.1"
