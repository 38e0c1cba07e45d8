"""Finding trials beyond a plain search: synonyms, similar trials, patient matching, evaluation."""
