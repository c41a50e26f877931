"""Corpus-level cleaning stages in the style of Llama 3 (Dubey et al. 2024, section 3.1.1).

URL dedup, line dedup (+ its apply stage), duplicated n-gram line coverage, dirty-word
counting, token-distribution KL outliers, PII redaction and eval-set decontamination.
Every stage is registered by :mod:`dataprep.cleaning.stages`; importing this package
loads nothing heavy.
"""
