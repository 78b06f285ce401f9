"""Moving in and out: importers for other comment systems' exports, and the site export.

Each source format has a reader module that turns a file into plain records (records.py);
loader.py writes them; export.py writes commentsvc's own JSON Lines export.
"""
