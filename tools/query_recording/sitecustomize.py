"""On ``PYTHONPATH`` only while queries are recorded (``make pytest``, ``make check-indexes``):
every Python process started then records the Firestore queries it sends (tools/firestore_queries.py).

Python imports ``sitecustomize`` at start-up from the first directory on its path that has one.
Without ``FIRESTORE_QUERY_LOG`` this does nothing.
"""

import os
import sys

if os.environ.get("FIRESTORE_QUERY_LOG"):
    _root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if _root not in sys.path:
        sys.path.append(_root)  # after site-packages: it shadows nothing
    from tools.firestore_queries import install_from_env

    install_from_env()
