"""courses: owns the course catalogue and who teaches what."""
