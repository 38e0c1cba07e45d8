"""One contract, every backend: the embedded index, a real OpenSearch node and a real Elasticsearch node.

`make test` starts both (scripts/opensearch.sh, scripts/elasticsearch.sh) and sets
TRIALS_TEST_OPENSEARCH_URL and TRIALS_TEST_ES_URL; without them those cases skip and say why. A test
that takes the `backend` fixture, or is parametrised over ENGINES, runs on all three.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, Trials, run_trials, shared

ENGINES = {
    "tantivy": None,
    "opensearch": "TRIALS_TEST_OPENSEARCH_URL",
    "elasticsearch": "TRIALS_TEST_ES_URL",
}
CLUSTERS = [name for name, var in ENGINES.items() if var]
QUERIES: list[list[str]] = [
    ["lupus"],
    ["interleukin-2", "melanoma"],
    ["low-dose IL-2 lupus"],
    ["kidney cancer"],
    ["HIV", "vaccine"],
    ["--condition", "lupus"],
    ["--drug", "aldesleukin"],
    ["--condition", "SLE", "--drug", "IL-2"],
    ["--condition", "melanoma", "--phase", "2"],
    ["--condition", "leukemia", "--age", "10"],
    ["breast cancer", "--sex", "F"],
    ["--drug", "interleukin-2", "--status", "completed"],
]


def engine_url(name: str) -> str | None:
    var = ENGINES[name]
    if var is None:
        return None
    url = os.environ.get(var)
    if not url:
        why = {
            "opensearch": "`make test` starts one when Java, Maven and Maven Central are available "
            "(scripts/opensearch.sh)",
            "elasticsearch": "`make test` starts one when Maven, a JDK 21+ and Maven Central are available "
            "(scripts/elasticsearch.sh), or point it at any Elasticsearch 8/9 node",
        }[name]
        pytest.skip(f"{name} not available: set {var}; {why}")
    return f"{url.rstrip('/')}/contract-{uuid.uuid4().hex[:8]}"  # an alias of its own


class Backend(Trials):
    def __init__(self, data_dir: Path, engine: str | None):
        super().__init__(data_dir)
        self.engine = engine

    def __call__(self, *args: str, ok: bool = True) -> Any:
        return super().__call__(*(["--engine", self.engine] if self.engine else []), *args, ok=ok)


def load(tmp: Path, engine: str | None) -> Backend:
    b = Backend(tmp, engine)
    b("--quiet", "ingest", str(shared("ctgov", "xml")), str(FIXTURES / "ctgov"))
    return b


# A cluster node is slow to start and load: its cases are `slow`; the embedded index is the fast loop's.
BACKENDS = [pytest.param(n, marks=[] if var is None else [pytest.mark.slow]) for n, var in ENGINES.items()]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    return load(tmp_path_factory.mktemp(request.param), engine_url(request.param))


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The oracle: the stored records themselves, to check what the structured filters must return."""
    b = load(tmp_path_factory.mktemp("oracle"), None)
    return [json.loads(line) for line in b("export").stdout.splitlines()]


def ids(b: Backend, *args: str, limit: int = 1000) -> list[str]:
    return [r["nct_id"] for r in b.json("search", *args, "--limit", str(limit))]


def test_structured_filters_match_the_records(backend: Backend, records: list[dict[str, Any]]) -> None:
    def expect(pred: Any) -> set[str]:
        return {r["nct_id"] for r in records if pred(r)}

    e = lambda r: r["eligibility"]  # noqa: E731
    assert set(ids(backend, "--status", "recruiting")) == expect(lambda r: r["overall_status"] == "RECRUITING")
    assert set(ids(backend, "--phase", "2", "--phase", "3")) == expect(
        lambda r: {"PHASE2", "PHASE3"} & set(r["phases"])
    )
    assert set(ids(backend, "--age", "3")) == expect(
        lambda r: (e(r)["min_age_years"] or 0) <= 3 <= (e(r)["max_age_years"] or 999)
    )
    assert set(ids(backend, "--sex", "M", "--age", "70")) == expect(
        lambda r: (
            e(r)["sex"] in (None, "ALL", "MALE")
            and (e(r)["min_age_years"] or 0) <= 70 <= (e(r)["max_age_years"] or 999)
        )
    )


def test_text_and_synonyms(backend: Backend) -> None:
    assert set(ids(backend, "--condition", "SLE", "--drug", "IL-2")) == {"NCT04077684", "NCT02084238"}
    assert set(ids(backend, "--condition", "lupus", "--drug", "aldesleukin")) == {"NCT04077684", "NCT02084238"}
    assert ids(backend, "--condition", "lupus", "--status", "recruiting")[:1]
    assert ids(backend, "--condition", "nosuchdisease") == []
    assert set(ids(backend, "low-dose IL-2 lupus")[:2]) == {"NCT04077684", "NCT02084238"}
    assert len(backend.json("search", "lupus", "--limit", "3")) == 3
    explained = backend.json("search", "--condition", "SLE", "--explain", "--limit", "1")[0]["explain"]
    assert any(label.startswith("SLE") for label in explained["conditions"])


# (hostile, plain): the same request without query syntax. Read as syntax, the hostile one would differ:
# AND would require both sides, NOT exclude, ^ boost, * widen, a field name restrict, a JSON body match
# everything. "melanoma" has no synonyms, which are looked up word by word and would differ between the two.
# Each plain text splits into words as its hostile one does (a word with punctuation, such as "melanoma.",
# is searched as a phrase), so that the cluster's query has the same shape and ranks alike.
SAME_AS_PLAIN = [
    ("melanoma AND (", "melanoma and"),
    ("NOT melanoma", "not melanoma"),
    ('"melanoma', "melanoma."),
    ("melanoma*", "melanoma."),
    ("melanoma^2", "melanoma-2"),
    ("title:melanoma", "title-melanoma"),
    ('{"match_all": {}}', "match_all"),
    ("melanoma ~ [1 TO 5]", "melanoma -1 to -5"),
]


@pytest.mark.parametrize(("hostile", "plain"), SAME_AS_PLAIN)
def test_user_text_is_quoted(backend: Backend, hostile: str, plain: str) -> None:
    # The first 50 in rank order: equal queries rank alike (the whole lists can run to every record).
    assert ids(backend, hostile, limit=50) == ids(backend, plain, limit=50)
    assert ids(backend, "--condition", hostile) == ids(backend, "--condition", plain)


def test_quoted_text_gives_the_expected_counts(backend: Backend, records: list[dict[str, Any]]) -> None:
    assert sorted(ids(backend, '"')) == sorted(r["nct_id"] for r in records)  # no words: the same as no text
    melanoma = {r["nct_id"] for r in records if any("melanoma" in c.lower() for c in r["conditions"])}
    assert melanoma and set(ids(backend, "--condition", '"melanoma')) >= melanoma
    for text in ["*", "\\", "(", "-"]:
        assert set(ids(backend, text, "--condition", "melanoma")) == set(ids(backend, "--condition", "melanoma"))
        assert ids(backend, "--condition", text) == []  # a filter on no words matches nothing
    assert ids(backend, '{"match_all": {}}') == []  # no record has the words "match all" in a row
    assert ids(backend, "title:melanoma") == []  # nor "title melanoma": a field name is a word like any other
    assert set(ids(backend, "NOT melanoma", "--condition", "melanoma")) == set(ids(backend, "--condition", "melanoma"))


def test_stats_and_show(backend: Backend, records: list[dict[str, Any]]) -> None:
    by_status = {r["status"]: r["count"] for r in backend.json("stats", "--by", "status")}
    assert sum(by_status.values()) == len(records)
    totals = {r["what"]: r["count"] for r in backend.json("stats")}
    assert totals["indexed"] == totals["records"] == len(records)
    assert backend.json("show", "NCT04077684")["nct_id"] == "NCT04077684"


@pytest.mark.slow
def test_reindex_under_concurrent_searches(backend: Backend) -> None:
    """Searches in other processes while the index is rebuilt: no errors, never an empty answer."""
    engine = ["--engine", backend.engine] if backend.engine else []
    errors: list[str] = []
    counts: list[int] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            proc = run_trials(backend.data_dir, *engine, "--quiet", "search", "--condition", "lupus", "--json")
            if proc.returncode != 0:
                errors.append(proc.stderr)
            else:
                counts.append(len(json.loads(proc.stdout)))

    threads = [threading.Thread(target=search) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            proc = run_trials(backend.data_dir, *engine, "reindex")
            assert proc.returncode == 0 and "indexed" in proc.stderr, proc.stderr
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(counts) >= 2 and min(counts) > 0  # never an empty or half-built index


@pytest.mark.slow
@pytest.mark.parametrize("name", CLUSTERS)
def test_top10_overlap_between_backends(name: str, tmp_path: Path) -> None:
    """On the same data each cluster ranks like the embedded index: mean Jaccard of top-10 at least 0.7."""
    cluster = load(tmp_path / "b", engine_url(name))
    embedded = load(tmp_path / "a", None)
    scores = []
    for q in QUERIES:
        a = set(ids(embedded, *q)[:10])
        b = set(ids(cluster, *q)[:10])
        scores.append(len(a & b) / len(a | b) if a | b else 1.0)
    assert sum(scores) / len(scores) >= 0.7, list(zip([" ".join(q) for q in QUERIES], scores, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ENGINES))
def test_crawls_write_to_the_engine(name: str, tmp_path: Path) -> None:
    """A crawl given --engine (not only TRIALS_ENGINE) indexes into that engine as it goes."""
    from devtools.mockserver import MockRegistry, MockState, load_studies

    engine = engine_url(name)
    with MockRegistry(MockState(load_studies([shared("ctgov", "v2")]))) as mock:
        proc = run_trials(
            tmp_path,
            *(["--engine", engine] if engine else []),
            "crawl",
            "ctgov",
            "--condition",
            "lupus",
            "--api-url",
            mock.url,
        )
    assert proc.returncode == 0, proc.stderr
    b = Backend(tmp_path, engine)
    totals = {r["what"]: r["count"] for r in b.json("stats")}
    assert totals["indexed"] == totals["records"] > 0
    assert ids(b, "--condition", "lupus")


def test_match_with_feedback_on_every_backend(backend: Backend) -> None:
    """Feedback words (weighted terms) go through each backend's query; the best trials agree."""
    rows = backend.json(
        "match",
        "--text",
        "34-year-old woman with systemic lupus erythematosus, to be treated with low-dose IL-2",
        "--status",
        "any",
        "--no-embeddings",
    )
    assert {"NCT04077684", "NCT02084238"} & {r["nct_id"] for r in rows}


def _analyzed(url: str, body: dict[str, Any], requests: list[dict[str, Any]]) -> list[Any]:
    from indexer.index.engines import connect

    adapter = connect(url)
    index = adapter.url.alias
    adapter.request("PUT", f"/{index}", body=body)
    try:
        return [adapter.request("POST", f"/{index}/_analyze", body=r)["tokens"] for r in requests]
    finally:
        adapter.request("DELETE", f"/{index}")


@pytest.mark.slow
def test_clusters_analyze_text_alike(records: list[dict[str, Any]]) -> None:
    """The Elasticsearch test node's analysis components are the project's stand-in plugin
    (scripts/es-analysis-plugin); OpenSearch's are its own analysis-common. Both analyzers of the
    mapping must give the same tokens, positions and offsets on the corpus' real text."""
    from indexer.discover.synonyms import Synonyms, curated
    from indexer.index import cluster_dsl

    urls = {name: engine_url(name) for name in CLUSTERS}
    body = cluster_dsl.index_body(Synonyms(curated()))
    texts = [
        text
        for r in records
        for text in (r["brief_title"], *r["conditions"], *(i["name"] for i in r["interventions"]))
        if text
    ]
    texts += [r["brief_summary"][:1000] for r in records[:300] if r["brief_summary"]]
    batches: list[list[str]] = [[]]
    for text in texts:  # bounded under the nodes' limit of 10,000 tokens per _analyze request
        if sum(map(len, batches[-1])) + len(text) > 20_000:
            batches.append([])
        batches[-1].append(text)
    requests = [{"analyzer": a, "text": batch} for a in ("trials_text", "trials_search") for batch in batches]
    results = {name: _analyzed(url, body, requests) for name, url in urls.items() if url}
    first, second = results.values()
    assert len(first) == len(requests) > 20
    for request, a, b in zip(requests, first, second, strict=True):
        assert a == b, request
    assert any(t["type"] == "SYNONYM" for tokens in first for t in tokens)  # the synonym rules were applied


# -- patients: places, freshness, folding, MeSH (issue "patients") ----------------------------------
OPEN = {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}
BOSTON = (42.3601, -71.0589)
BEIJING = (39.9042, 116.4074)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The oracle's own haversine (mean Earth radius), independent of indexer.geo."""
    import math

    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _v2_studies() -> list[dict[str, Any]]:
    return [json.loads(p.read_bytes()) for p in sorted(shared("ctgov", "v2").glob("NCT*.json"))]


def _nearest_v2_site(study: dict[str, Any], point: tuple[float, float]) -> float | None:
    """Straight from the registry JSON: an open trial counts only its open sites (when sites say)."""
    p = study["protocolSection"]
    sites = (p.get("contactsLocationsModule") or {}).get("locations") or []
    if p["statusModule"].get("overallStatus") in OPEN and any(s.get("status") for s in sites):
        sites = [s for s in sites if s.get("status") in OPEN]
    found = [_km(point, (s["geoPoint"]["lat"], s["geoPoint"]["lon"])) for s in sites if s.get("geoPoint")]
    return min(found) if found else None


@pytest.fixture(scope="module", params=BACKENDS)
def v2_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    b = Backend(tmp_path_factory.mktemp(f"v2-{request.param}"), engine_url(request.param))
    b("--quiet", "ingest", str(shared("ctgov", "v2")), str(FIXTURES / "ctgov_xml" / "NCT04077684.xml"))
    return b


@pytest.mark.parametrize(("name", "point"), [("Boston", BOSTON), ("Beijing", BEIJING)])
def test_near_finds_every_site_within_the_radius(v2_backend: Backend, name: str, point: tuple[float, float]) -> None:
    distances = {
        s["protocolSection"]["identificationModule"]["nctId"]: _nearest_v2_site(s, point) for s in _v2_studies()
    }
    expected = {i for i, d in distances.items() if d is not None and d <= 50}
    # A site on the circle itself may fall either side of it with another engine's rounding.
    edge = {i for i, d in distances.items() if d is not None and 49.9 <= d <= 50.1}
    assert expected, f"the oracle found no v2 site near {name}"
    rows = v2_backend.json("search", "--near", f"{point[0]},{point[1]}", "--within", "50", "--limit", "5000")
    found = {r["nct_id"] for r in rows} - {"NCT04077684"}
    assert found - edge == expected - edge
    for r in rows:
        if r["nct_id"] in distances and distances[r["nct_id"]] is not None:
            assert r["distance_km"] == pytest.approx(distances[r["nct_id"]], abs=0.2)
    by_distance = v2_backend.json("search", "--near", f"{point[0]},{point[1]}", "--within", "50", "--sort", "distance")
    assert [r["distance_km"] for r in by_distance] == sorted(r["distance_km"] for r in by_distance)


def test_the_seed_trial_near_beijing_with_its_contact(v2_backend: Backend) -> None:
    rows = v2_backend.json("search", "--condition", "lupus", "--near", "Beijing, China", "--limit", "100")
    seed = next(r for r in rows if r["nct_id"] == "NCT04077684")
    assert seed["nearest_site"]["city"] == "Beijing" and seed["nearest_site"]["geo_source"] == "gazetteer"
    assert seed["distance_km"] < 20
    assert seed["central_contacts"][0]["email"] == "haoxiamei@163.com"
    shown = v2_backend.json("show", "NCT04077684", "--near", "Beijing, China")
    assert shown["central_contacts"][0]["phone"] == "8615201303563"
    assert shown["locations"][0]["contacts"][0]["name"] == "Xia Zhang, MD"
    assert shown["freshness"]["stale"] is True  # completion date 2024-12-31 has passed


def test_free_text_searches_sites(v2_backend: Backend) -> None:
    assert "NCT04077684" in ids(v2_backend, "Beijing", "--condition", "lupus")


def test_country_filter_matches_the_records(v2_backend: Backend) -> None:
    expected = {
        s["protocolSection"]["identificationModule"]["nctId"]
        for s in _v2_studies()
        for loc in (s["protocolSection"].get("contactsLocationsModule") or {}).get("locations") or []
        if loc.get("country") == "Brazil"
    }
    assert expected and set(ids(v2_backend, "--country", "Brazil")) == expected
    assert set(ids(v2_backend, "--country", "BR")) == expected


def test_fresh_keeps_open_trials_with_a_current_status(v2_backend: Backend) -> None:
    import calendar
    from datetime import date, timedelta

    def end(value: str | None) -> date | None:
        if not value:
            return None
        parts = [int(x) for x in value.split("-")]
        if len(parts) == 1:
            return date(parts[0], 12, 31)
        if len(parts) == 2:
            return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        return date(*parts)

    today = date.today()
    expected = set()
    for s in _v2_studies():
        status = s["protocolSection"]["statusModule"]
        verified = end(status.get("statusVerifiedDate"))
        completion = end((status.get("completionDateStruct") or {}).get("date"))
        if (
            status.get("overallStatus") in OPEN
            and verified is not None
            and today - verified <= timedelta(days=730)
            and (completion is None or completion >= today)
        ):
            expected.add(s["protocolSection"]["identificationModule"]["nctId"])
    assert set(ids(v2_backend, "--fresh")) == expected
    for row in v2_backend.json("search", "--status", "recruiting", "--limit", "1000"):
        assert row["freshness"]["stale"] == (row["nct_id"] not in expected)


def test_lung_cancer_follows_the_mesh_tree(v2_backend: Backend) -> None:
    def under(concept: str) -> set[str]:
        out = set()
        for s in _v2_studies():
            browse = (s.get("derivedSection") or {}).get("conditionBrowseModule") or {}
            terms = {m.get("term") for m in (*(browse.get("meshes") or ()), *(browse.get("ancestors") or ()))}
            if concept in terms:
                out.add(s["protocolSection"]["identificationModule"]["nctId"])
        return out

    for condition, concept in (("lung cancer", "Lung Neoplasms"), ("cancer", "Neoplasms")):
        expected = under(concept)
        found = set(ids(v2_backend, "--condition", condition))
        assert len(found & expected) / len(expected) >= 0.9, (condition, len(found & expected), len(expected))
    row = v2_backend.json("search", "--condition", "lung cancer", "--explain", "--limit", "200")
    reasons = [r["explain"].get("condition_mesh", []) for r in row]
    assert any("MeSH ancestor Lung Neoplasms" in x for rs in reasons for x in rs)


def test_accents_and_full_width_forms_fold(backend: Backend) -> None:
    assert ids(backend, "--condition", "Sjögren syndrome") == ids(backend, "--condition", "Sjogren syndrome")
    assert ids(backend, "--condition", "Sjogren syndrome")
    assert ids(backend, "--condition", "ＳＬＥ") == ids(backend, "--condition", "SLE")
    assert ids(backend, "ｌｕｐｕｓ") == ids(backend, "lupus")


def test_the_web_app_answers_from_every_backend(backend: Backend) -> None:
    """`trials serve --engine URL`: the pages and the API search the cluster, and agree with the CLI on it."""
    from fastapi.testclient import TestClient

    from indexer.config import load as load_settings
    from web.app import create_app

    settings = load_settings(backend.data_dir, engine=backend.engine)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        for params, args in (
            ({"condition": "lupus"}, ["--condition", "lupus"]),
            ({"q": "low-dose IL-2 lupus"}, ["low-dose IL-2 lupus"]),
            ({"drug": "aldesleukin", "condition": "SLE"}, ["--drug", "aldesleukin", "--condition", "SLE"]),
        ):
            got = client.get("/api/search", params={**params, "status": "any", "limit": 10})
            assert got.status_code == 200, got.text
            assert [r["nct_id"] for r in got.json()["results"]] == ids(backend, *args, limit=10)
        page = client.get("/search", params={"condition": "SLE", "drug": "IL-2", "status": "any"})
        assert page.status_code == 200 and "NCT04077684" in page.text
        assert client.get("/trials/NCT04077684").status_code == 200
        similar = client.get("/api/trials/NCT04077684/similar", params={"limit": 5}).json()
        want = backend.json("similar", "NCT04077684", "--limit", "5")
        assert [r["nct_id"] for r in similar] == [r["nct_id"] for r in want] and similar


def test_search_text_asks_for_every_word(backend: Backend, records: list[dict[str, Any]]) -> None:
    def has(r: dict[str, Any], word: str) -> bool:
        return re.search(rf"\b{word}\b", json.dumps(r), re.I) is not None

    found = set(ids(backend, "lupus in nephritis"))
    # The oracle: the stored records. Every result has both words; every trial titled with both is found.
    by_id = {r["nct_id"]: r for r in records}
    assert found and all(has(by_id[n], "lupus") and has(by_id[n], "nephritis") for n in found)
    titled = {r["nct_id"] for r in records if re.search(r"lupus nephritis", r["brief_title"] or "", re.I)}
    assert titled and titled <= found
    # No trial has every word of a patient's sentence: the trials with some, best first, on every backend.
    said = backend("search", "lupus trials with low-dose IL-2, anything that helps my sister", "--json", "--limit", "3")
    assert "NCT04077684" in {r["nct_id"] for r in json.loads(said.stdout)}
    assert "no trial has every word" in said.stderr
    # What a patient's sentence states (test_sentence.py) is read as the options say it, on every backend.
    guide = backend("search", "recruiting lupus trials with low-dose IL-2 near Beijing, I am 34", "--json")
    asked = backend(
        "search",
        "lupus trials with low-dose IL-2",
        "--status",
        "recruiting",
        "--near",
        "Beijing",
        "--age",
        "34",
        "--json",
    )
    found_by_sentence = [r["nct_id"] for r in json.loads(guide.stdout)]
    assert "NCT04077684" in found_by_sentence and found_by_sentence == [r["nct_id"] for r in json.loads(asked.stdout)]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ENGINES))
def test_a_merged_trial_leaves_every_engine(name: str, tmp_path: Path) -> None:
    """A trial known from a page only, whose page then names its NCT trial, is merged into it: its document
    goes from the engine too (ClusterIndex.delete on a real node), so a search lists the trial once."""
    from indexer.catalog import Catalog
    from indexer.config import load as settings_for
    from tests.test_merged_trials import BEFORE, NCT, NOW, PROVISIONAL, URL

    engine = engine_url(name)
    for body in (BEFORE, NOW):  # two crawls of the same page: first without its NCT number, then with it
        with Catalog(settings_for(tmp_path, engine=engine)) as c, c.writer() as w:
            w.add_document(body, URL, source_url=URL)
        if body is BEFORE:
            assert ids(Backend(tmp_path, engine)) == [PROVISIONAL]
    b = Backend(tmp_path, engine)
    assert ids(b) == [NCT]
    totals = {r["what"]: r["count"] for r in b.json("stats")}
    assert totals["indexed"] == totals["records"] == 1


def test_more_excluded_ids_than_one_terms_query_holds(backend: Backend) -> None:
    """Trials left out of a search (removed from the registry, merged) can outnumber the 65,536 terms a
    cluster's terms query takes: every one is still left out, on every backend."""
    from indexer.catalog import Catalog
    from indexer.config import load as settings_for
    from indexer.index.document import SearchQuery

    with Catalog(settings_for(backend.data_dir, engine=backend.engine)) as c:
        found = [h.nct_id for h in c.search_ids(SearchQuery(text="lupus", limit=1000)).hits]
        assert len(found) >= 4
        # Ids no trial has, then half the found ones: those fall past the first 65,536 terms.
        filler = tuple(f"NCT9{n:07d}" for n in range(70_000))
        left_out = tuple(found[::2])
        result = c.search_ids(SearchQuery(text="lupus", limit=1000, exclude_ids=filler + left_out))
    assert [h.nct_id for h in result.hits] == [i for i in found if i not in left_out]
    assert result.total == len(found) - len(left_out)


def test_more_asked_ids_than_one_terms_query_holds(backend: Backend) -> None:
    """A search among more trials than one terms query takes (`changes` asks of 20,000, an index count of
    the pending deletions): each trial asked for is found, on every backend."""
    from indexer.catalog import Catalog
    from indexer.config import load as settings_for
    from indexer.index.document import SearchQuery

    with Catalog(settings_for(backend.data_dir, engine=backend.engine)) as c:
        found = [h.nct_id for h in c.search_ids(SearchQuery(text="lupus", limit=1000)).hits]
        asked = tuple(f"NCT9{n:07d}" for n in range(70_000)) + tuple(found[::2])
        result = c.search_ids(SearchQuery(text="lupus", limit=1000, ids=asked))
    assert [h.nct_id for h in result.hits] == found[::2]
    assert result.total == len(found[::2])
