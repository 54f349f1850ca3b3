"""Booking a hall appointment: the flow, provisional offline bookings, slip printing."""
