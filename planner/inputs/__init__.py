"""Everything that reads user or built-in data: layers, company lists, candidate sites."""
