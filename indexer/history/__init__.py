"""Change history: field-level diffs, the events they amount to, watches over them."""
