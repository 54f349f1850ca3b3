"""The write path: write kinds mapped to platform calls, the sender, the write queue (no Kivy)."""
