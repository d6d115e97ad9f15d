"""Hardware input at the stations: serial barcode scanners and the bridge process that owns them."""
