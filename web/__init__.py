"""`trials serve`: the patient and researcher web pages and the JSON API, over the library API."""
