"""Shipped recipes (YAML), runnable by name: ``dataprep run multilingual ...``."""
