"""好差评: ratings of concluded cases, 差评 rectification, appeals and 电子监察 rankings."""
