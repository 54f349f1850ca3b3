"""Camera: frames from OpenCV sources, faces, QR login codes and document capture."""
