"""The staff dashboard and bwk-staff: the cooperative's view of central.db (or a room's)."""
