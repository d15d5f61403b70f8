"""The room kiosk (Textual): visitors check in, key holders open and close the room."""
