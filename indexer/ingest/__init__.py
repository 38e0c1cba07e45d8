"""The write path: documents in, parsed records stored and indexed, in batches."""
