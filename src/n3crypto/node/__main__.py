"""``python -m n3crypto.node ...``: the ``relay`` command group."""

from n3crypto.cli_onion import relay

relay(prog_name="n3crypto relay")
