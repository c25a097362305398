"""The book-style scripts under ``bookstyle/`` are run by the tests through ``xpnet book``, never
collected as tests themselves."""

collect_ignore_glob = ["bookstyle/*"]
