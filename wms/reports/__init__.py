"""Planning and analysis: reports computed from the ledger, each one aggregate query over
it (no replay of an item's history), pure of the web like the rest of wms."""
