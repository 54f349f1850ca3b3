"""The write path: write kinds mapped to platform calls, the sender and the write queue (no Kivy)."""
