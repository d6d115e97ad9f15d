"""Analysis reports computed from the ledger: turnover, ABC, the count schedule, slow movers,
stock age and sales. Each report is one aggregate query (or a few) over the moves, never a
replay of history per row, so it answers in about a second over a year of a million moves."""
