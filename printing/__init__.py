"""Hardware output: documents rendered for ESC/POS and ZPL printers, previews, the print worker."""
