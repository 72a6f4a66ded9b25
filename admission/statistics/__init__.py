"""Public statistics of the list and of the burden on villages (API.md "Statistics")."""
