"""sambert-compress: make Sambert-HiFiGAN (KAN-TTS) voices smaller and faster, with proof."""

__version__ = "0.1.0"
