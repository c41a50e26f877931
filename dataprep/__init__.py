"""dataprep: clean, deduplicate, language-balance and report on pretraining text."""

__version__ = "0.1.0"
