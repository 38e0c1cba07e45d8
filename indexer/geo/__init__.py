"""Places: the offline gazetteer, geocoding sites at ingest, and distances."""
