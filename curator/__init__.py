"""Curator: curate LLM fine-tuning datasets — validate, find duplicates and
contradictions, review, and export clean train/eval splits."""

__version__ = "0.1.0"
