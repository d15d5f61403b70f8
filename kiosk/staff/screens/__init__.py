"""The staff dashboard screens."""
