"""Screens of the booking task: item, slot, confirm, done."""
