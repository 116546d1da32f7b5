"""Performance benchmarks (`make bench`): they print their figures; they are not tests."""
