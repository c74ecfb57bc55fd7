"""Tools for instructors: a student release of the book, and grading submissions."""
