"""Screens of identification: the identify screen and the face check."""
