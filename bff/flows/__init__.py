"""Zero-material face-verified flows (零材料/刷脸办)."""
