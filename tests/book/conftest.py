"""The book's scripts under ``scripts/`` are run by test_book_scripts.py, never collected
(``batch_norm_test.py`` would match pytest's ``*_test.py`` pattern)."""

collect_ignore_glob = ["scripts/*"]
