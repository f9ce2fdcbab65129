"""Events (三会一课, 主题党日 …) with attendance, and training records."""
