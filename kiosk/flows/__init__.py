"""Resident tasks as pure state machines with injected ports; no Kivy here."""
