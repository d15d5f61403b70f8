"""syncd: the room and central roles, the folder transport and the ``bwk-syncd`` CLI."""
