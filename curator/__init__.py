"""Curator: curate LLM fine-tuning datasets — validate, find duplicates and
contradictions, review, and export clean train/eval splits."""

__version__ = "0.1.0"


def open_project(*args, **kwargs):
    """Open (or create) the review project of a dataset: see :func:`curator.core.project.open_project`.

    Imported lazily so ``import curator`` stays cheap for the CLI and the app's start-up.
    """
    from curator.core.project import open_project as _open_project

    return _open_project(*args, **kwargs)
