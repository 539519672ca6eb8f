"""Open data: published needs, awards and contracts in the Open Contracting Data Standard 1.1.

policy.py decides what is published of each need; ocds.py builds its releases (parties.py,
cpv.py), merge.py compiles them; export.py streams the packages; views.py serves them.
"""
