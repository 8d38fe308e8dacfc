"""Trainers follow their learners: per-course progress and per-quiz item analysis."""
