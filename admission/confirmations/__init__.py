"""The yearly confirmation of the list (年度确认) by each duty's guiding units."""
