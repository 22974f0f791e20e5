"""enrollments: who takes which course, and how far they got. The one service with state that changes."""
