"""A word and the number after it ("interleukin-2") is one term of the index: a search that requires it
reads that term, and finds the trials its phrase finds, hyphenated, spaced or parted otherwise."""

from __future__ import annotations

import re

import pytest
import tantivy
from tantivy import Query

from indexer.catalog import Catalog
from indexer.config import load
from indexer.index.document import TEXT_FIELDS, SearchQuery, index_document
from indexer.index.joined import as_joined, joined_terms, pairs
from indexer.index.tantivy_index import TantivyIndex
from indexer.index.tantivy_query import QueryBuilder
from tests.conftest import Trials, shared


def test_pairs_are_the_adjacent_tokens_of_a_phrase() -> None:
    text = "Low-dose IL-2 (interleukin 2) for COVID-19 in adults aged 18-65; IL2 and type II are no pairs"
    assert pairs(text) == ["il 2", "interleukin 2", "covid 19", "age 18", "18 65"]
    assert as_joined("IL-2") == 'joined:"il 2"' and as_joined("interleukins-2,") == 'joined:"interleukin 2"'
    assert [as_joined(w) for w in ("IL2", "IL-2R", "2-IL", "IL-2-receptor", "lupus")] == [None] * 5


def test_a_token_the_index_drops_parts_the_pair() -> None:
    # en_stem drops a token of 40 bytes or more (20 two-byte letters) and leaves its place empty: the
    # number after it follows no word, as a phrase query over the field sees it.
    b = tantivy.SchemaBuilder()
    b.add_text_field("t", tokenizer_name="en_stem")
    index = tantivy.Index(b.build())
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for n in (19, 20):
        writer.add_document(tantivy.Document(t=f"alpha {'é' * n} 3"))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    assert searcher.search(index.parse_query('"alpha 3"', ["t"]), 5).count == 0  # not even past a gap
    assert searcher.search(index.parse_query(f'"{"é" * 19} 3"', ["t"]), 5).count == 1
    assert pairs(f"alpha {'é' * 19} 3") == [f"{'é' * 19} 3"]
    assert pairs(f"alpha {'é' * 20} 3") == []


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    data = tmp_path_factory.mktemp("joined")
    Trials(data)("--quiet", "ingest", str(shared("ctgov", "xml")))
    return Catalog(load(data))


def test_a_required_pair_is_one_term(catalog: Catalog) -> None:
    index = catalog.index
    assert isinstance(index, TantivyIndex)
    build = QueryBuilder(index.index, index.schema)
    required = build.text("interleukin-2", list(TEXT_FIELDS), all_words=True, joined=True)
    assert repr(required) == repr(Query.term_query(index.schema, "joined", "interleukin 2"))
    # In fewer fields than the `joined` field holds, the phrase stays.
    assert "PhraseQuery" in repr(build.text("interleukin-2", ["title"], all_words=True, joined=True))


@pytest.mark.parametrize(("word", "number"), [("interleukin", "2"), ("il", "6"), ("covid", "19"), ("type", "2")])
def test_a_required_pair_finds_every_way_it_is_written(catalog: Catalog, word: str, number: str) -> None:
    records = [catalog.get(p.stem) for p in shared("ctgov", "xml").glob("NCT*.xml")]
    # Independent oracle: the word (or its plural) and the number as whole words with only punctuation
    # or spaces between, in any text field of the trial's document.
    written = re.compile(rf"(?<![^\W_]){word}s?([\W_]+){number}(?![^\W_])", re.I)
    seps: dict[str, set[str]] = {}
    for r in filter(None, records):
        doc = index_document(r)
        for field in TEXT_FIELDS:
            for m in written.finditer(doc[field]):
                seps.setdefault(r.nct_id, set()).add(m.group(1))
    result = catalog.index.search(SearchQuery(text=f"{word}-{number}", every_word=True, limit=1000))
    assert {h.nct_id for h in result.hits} == set(seps) and result.total == len(seps)
    if word == "interleukin":  # the real records write it hyphenated and spaced
        assert {"-", " "} <= set().union(*seps.values())


EDGES = [
    "covid 19 20",  # a number after a number: two pairs
    "IL-2 il2 2a a2 a-2b x--7 ...9 9",  # a token that holds digits and letters is no number
    "grade 3-4, 100,000/mm3 and 1.5 x ULN; 10^9/L",
    "12 leading number, trailing word 7",
    f"{'a' * 39} 5 {'b' * 40} 6 word {'1' * 39} {'2' * 40} end 3",  # 39 bytes kept, 40 dropped
    "tabs\t4 and\nnewlines\r\n5 and_underscore_6 under_ 7",
    "",
    "Dose 2\u00a0mg",  # not ASCII: the tokenizer's path
    "Stage\u2002IV 3 café 4 Ⅳ 5 ² 6 ٣ 7",
    # Letters Python's isalnum() and Rust's is_alphanumeric() disagree on (a combining sign), other scripts,
    # non-ASCII separators and digits, a token of fewer than 40 characters but 40 bytes or more.
    "ka\u0903 5 x\u0301 6 ≥18 7 αβγ–8 中文 9 ١٢ 10 50µg 11 " + "é" * 20 + " 12 " + "é" * 19 + "\u00a013",
]


def _texts() -> list[str]:
    from indexer.parsers import parse

    texts = list(EDGES)
    for folder in ("xml", "v2"):
        for path in sorted(shared("ctgov", folder).glob("NCT*"))[:300]:
            for record in parse(path.read_bytes(), filename=path.name):
                doc = index_document(record)
                texts += [doc[f] for f in TEXT_FIELDS if isinstance(doc[f], str)]
    return texts


def test_pairs_of_ascii_text_are_those_of_the_index_tokenizer() -> None:
    """Text is read by a pattern over its characters' classes, not split into tokens: it gives what tantivy's
    tokenizer gives, over the text fields of 600 real records (ASCII or not) and the edges of a token (digits
    in a word, long tokens, separators, letters outside ASCII)."""
    from indexer.index.joined import by_tokens

    texts = _texts()
    assert len(texts) > 2000 and sum(t.isascii() for t in texts) > 1000
    for text in texts:
        assert pairs(text) == by_tokens(text), text
    # A trial's fields are read as one text: its terms are still each field's, none spans two fields.
    for at in range(0, len(texts), len(TEXT_FIELDS)):
        fields = texts[at : at + len(TEXT_FIELDS)]
        assert joined_terms(fields) == sorted({p for f in fields for p in by_tokens(f)}), fields
    assert joined_terms(["IL", "2 and covid", "19", "covid-19 |20"]) == ["19 20", "covid 19"]
    assert pairs(EDGES[0]) == ["covid 19", "19 20"]
    assert pairs(EDGES[4]) == [f"{'a' * 39} 5", f"word {'1' * 39}", "end 3"]
