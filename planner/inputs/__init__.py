"""Everything that reads user or built-in data: one table reader (:mod:`.tables`) and column
specs (:mod:`.columns`) for company lists and sites lists, layers and their checks, expert
judgements. The data models they fill (layers, sites tables) are in :mod:`planner.core`."""
