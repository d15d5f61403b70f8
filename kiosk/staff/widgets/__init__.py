"""Widgets of the staff dashboard."""
