"""What an invoice carries as proof: receipts, the files attached in WeFact, line texts."""
