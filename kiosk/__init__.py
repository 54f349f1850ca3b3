"""The kiosk app: screens, theme, session and the composition root."""
