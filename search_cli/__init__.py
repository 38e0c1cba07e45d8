"""The `trials` command line: a thin layer over `indexer.catalog.Catalog`."""

import gc

# Set here, the first module `trials` imports: start-up makes tens of thousands of objects that live
# as long as the process (modules, classes, the dataclasses' generated methods), and with the default
# young-generation threshold (700 allocations) a search ran about 35 collections over them, 7-25 ms
# of its 0.15 s. Cycles are rare in a command's own work, so collecting every 50,000 allocations
# still frees them in time; the crawl sets its own policy (crawler/run.py).
gc.set_threshold(50_000, 20, 100)

# The `trials` command's processes are short, and making the classes of a match was 20-40 ms of each,
# most of it compiling the methods `dataclass` writes: they are compiled once per machine
# (`indexer.dataclass_code`). Here, not in `indexer`: a program that imports the library keeps its
# `dataclasses` as it is.
from indexer import dataclass_code  # noqa: E402 (after the collector's policy, before any class is made)

dataclass_code.install()
