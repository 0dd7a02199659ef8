"""n3crypto: cryptography and privacy protocols for the Network3 system.

>>> import n3crypto
>>> n3crypto.__version__
'0.1.0'
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger("n3crypto").addHandler(logging.NullHandler())

__all__ = ["__version__"]
