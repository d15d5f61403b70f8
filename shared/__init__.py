"""The BuurtWerkKamer domain: store, event log, codes, config, indicators.

Nothing in this package imports Textual: the kiosk, the daemon and the
reports all stand on it.
"""
