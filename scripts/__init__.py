"""Developer scripts: run them as files; tests import them as ``scripts.<name>``."""
