"""Version-independent views: the versions lists and the catch-all."""
