"""Joint meetings (联席会议): the re-review."""
