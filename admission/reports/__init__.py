"""Reports of demands made on villages outside the list (清单外事项反映), and their handling."""
