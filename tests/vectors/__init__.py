"""Test data shared by every suite: ``real/`` (the interop corpus) and its loader, ``corpus.py``."""
