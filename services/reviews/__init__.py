"""reviews: ratings and comments on courses; keeps a copy of each author's name."""
