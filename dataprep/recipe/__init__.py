"""The recipe side: YAML recipes validated into typed dataclasses (``config``) and
stages found by registered name (``registry``)."""
