"""Patient-to-trial matching: search with the description, learn from the first results, check the criteria."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from indexer.catalog import Catalog
from indexer.discover.coverage import condition_coverage, patient_stems
from indexer.discover.criteria_match import (
    FAILS,
    MEETS,
    CriteriaSummary,
    check_criteria,
    concepts_shared,
    marker_conflicts,
)
from indexer.discover.docfreq import doc_freq
from indexer.discover.embed import embedder
from indexer.discover.facts import Facts, read_facts
from indexer.discover.overlap import inclusion_overlap, word_weights
from indexer.discover.patient import Patient, read_patient
from indexer.discover.prf import Feedback, expansion, feedback_text
from indexer.discover.words import query_text
from indexer.index.document import Hit, SearchQuery
from indexer.record import TrialRecord

__all__ = ["JOINABLE_STATUSES", "Match", "MatchSettings", "Patient", "match", "match_ids", "query_text", "read_patient"]

# Statuses a patient can still join: what `trials match` shows unless asked for `--status any`.
JOINABLE_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE")

# Field weights for a long patient description (measured on the TREC 2021 development set, see
# docs/benchmarks.md): criteria count more here than in a short search, since they describe the patient.
MATCH_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("title", 1.5),
    ("conditions", 2.0),
    ("summary", 1.0),
    ("description", 0.5),
    ("criteria", 1.5),
    ("keywords", 1.0),
    ("interventions", 0.5),
)
CANDIDATES = 100
FEEDBACK = Feedback(docs=10, terms=20, weight=1.0)


@dataclass(frozen=True)
class MatchSettings:
    """Every choice the ranking makes; bench/quality.py cross-validates them (docs/benchmarks.md)."""

    weights: tuple[tuple[str, float], ...] = MATCH_WEIGHTS
    limits: bool = True  # the age and sex the description states filter the trials
    clean: bool = True  # negated clauses and filler words left out of the query
    synonyms: bool = False
    feedback: Feedback | None = FEEDBACK
    # score x (1 - penalty) when the patient fails an exclusion item (has the condition it names).
    # Off: out of fold it gained nothing (docs/benchmarks.md); such trials are still flagged.
    exclusion_penalty: float = 0.0
    # score x (1 + boost x n) for n of the trial's own conditions (up to 2) that the patient has.
    concept_boost: float = 0.0
    # score x (1 + weight x (met - failed inclusion items)), bounded to [0.5, 1.5].
    inclusion_weight: float = 0.0
    # The search score x (1 + weight x coverage), coverage the idf-weighted share of the words of the
    # trial's own condition that the patient used (coverage.py), over the `rerank` best. 0.2 and 0.3
    # were chosen on the halves of the development set (docs/benchmarks.md).
    condition_coverage: float = 0.3
    # score = top score x (score / top score + weight x cosine) / (1 + weight), cosine between the
    # patient's words and the trial's title, conditions and summary. Needs the `embeddings` extra.
    embedding_weight: float = 0.0
    # The search score x (1 + weight x the share of the patient's words, by idf, that the inclusion
    # criteria use; overlap.py), over the `rerank` best, as the condition coverage.
    overlap_weight: float = 1.5
    candidates: int = CANDIDATES
    rerank: int = 50  # how many of the best candidates are checked criterion by criterion


DEFAULT = MatchSettings()
# The embeddings' best weight on the development set when asked for. They are off by default, even
# where the extra is installed: on top of the condition coverage and the inclusion overlap they lose
# out of fold (docs/benchmarks.md), and loading the model costs a one-off command over a second.
EMBEDDING_WEIGHT = 0.5


def default_settings(embeddings: bool | None = None) -> MatchSettings:
    """The default ranking, with text embeddings only when asked (None: without them)."""
    use = bool(embeddings)
    if use and embedder() is None:
        raise RuntimeError("text embeddings need the extra: pip install 'trialscout[embeddings]'")
    return replace(DEFAULT, embedding_weight=EMBEDDING_WEIGHT) if use else DEFAULT


def _search(catalog: Catalog, query: SearchQuery, synonyms: bool) -> list[Hit]:
    return (catalog.search_ids(query) if synonyms else catalog.index.search(catalog.without_removed(query))).hits


def _load(catalog: Catalog, hits: list[Hit], loaded: dict[str, TrialRecord] | None = None) -> list[TrialRecord]:
    """The hits' records, in order; those in `loaded` are not read (nor decoded) again, new ones are added to it."""
    have = loaded if loaded is not None else {}
    missing = [h.nct_id for h in hits if h.nct_id not in have]
    if missing:
        have.update(catalog.store.get_many(missing))
    return [have[h.nct_id] for h in hits if h.nct_id in have]


def candidates(
    catalog: Catalog,
    patient: Patient,
    statuses: tuple[str, ...],
    settings: MatchSettings,
    where: SearchQuery | None = None,
    loaded: dict[str, TrialRecord] | None = None,
) -> list[Hit]:
    """The first search, then (with feedback on) a second one with the words its best results share.

    `where` adds its place and freshness filters (near, within_km, countries, fresh) to both; the
    records read for the feedback are added to `loaded`.
    """
    text = (query_text(patient.text) if settings.clean else "") or patient.text
    w = where or SearchQuery()
    query = SearchQuery(
        near=w.near,
        within_km=w.within_km,
        countries=w.countries,
        fresh=w.fresh,
        text=text,
        age=patient.age if settings.limits else None,
        sex=patient.sex if settings.limits else None,
        statuses=statuses,
        limit=settings.candidates,
        field_weights=settings.weights,
    )
    learn = settings.feedback if settings.feedback is not None and settings.feedback.docs > 0 else None
    # With feedback, the first search asks only for the results it learns from (reading 100 ids costs
    # more than the search at 500,000 trials); the second one, with the learnt words, for them all.
    hits = _search(catalog, query if learn is None else replace(query, limit=learn.docs), settings.synonyms)
    if learn is not None and hits:
        records = _load(catalog, hits, loaded)
        scores = {h.nct_id: h.score for h in hits}
        df = doc_freq(catalog)
        terms = expansion(text, records, [scores[r.nct_id] for r in records], df, df.total(), learn)
        hits = _search(catalog, replace(query, weighted_terms=tuple(terms)), settings.synonyms)
    if settings.condition_coverage or settings.overlap_weight:
        hits = _reranked(catalog, text, hits, settings)
    return hits


def _reranked(catalog: Catalog, text: str, hits: list[Hit], settings: MatchSettings) -> list[Hit]:
    """The best `settings.rerank` hits in their new order, each score x (1 + weight x how much of the
    trial's own condition the description names) x (1 + weight x the share of the description's words
    that its inclusion criteria use). Only those fields are read, no whole record."""
    head, rest = hits[: settings.rerank], hits[settings.rerank :]
    fields = catalog.store.vocabulary.match_fields(h.nct_id for h in head)
    df = doc_freq(catalog)
    total = df.total()
    said = patient_stems(text)
    weights = word_weights(text, df, total) if settings.overlap_weight else {}

    def factor(nct_id: str) -> float:
        names, inclusion = fields.get(nct_id, ([], []))
        cover = condition_coverage(names, said, df, total) if settings.condition_coverage else 0.0
        asked = inclusion_overlap(weights, inclusion) if settings.overlap_weight else 0.0
        return (1 + settings.condition_coverage * cover) * (1 + settings.overlap_weight * asked)

    moved = [Hit(h.nct_id, h.score * factor(h.nct_id)) for h in head]
    return sorted(moved, key=lambda h: -h.score) + rest


@dataclass(frozen=True)
class Match:
    """One trial found for a patient, with its score and the reasons."""

    record: TrialRecord
    score: float  # after the criteria and concepts moved it
    search_score: float = 0.0  # as the search ranked it (with the condition coverage and inclusion overlap)
    possible_exclusions: tuple[str, ...] = ()  # exclusion items the patient seems to fail
    criteria: CriteriaSummary = field(default_factory=lambda: CriteriaSummary(()))
    concepts: tuple[str, ...] = ()  # the trial's conditions that the patient has
    similarity: float | None = None  # cosine of the text embeddings, when used
    # Tumour marker statuses the trial asks and the patient does not have ("asks HER2 positive; you said
    # HER2 negative"): such trials come after the others, whatever their score.
    conflicts: tuple[str, ...] = ()


def check(record: TrialRecord, score: float, patient: Patient, facts: Facts) -> Match:
    """The trial's criteria checked against the patient, not yet scored (see `rescore`)."""
    summary = check_criteria(record, patient, facts)
    failed = tuple(c.text for c in summary.checks if c.kind == "exclusion" and c.verdict == FAILS)
    return Match(record, score, score, failed, summary, tuple(concepts_shared(record, facts)))


def rescore(m: Match, settings: MatchSettings, top: float) -> Match:
    """The search score, moved by the criteria the patient meets or fails, the conditions shared, and
    the embeddings' similarity; `top` is the best search score of the list."""
    score = m.search_score
    if settings.embedding_weight and m.similarity is not None and top > 0:
        w = settings.embedding_weight
        score = top * (score / top + w * m.similarity) / (1 + w)
    factor = 1.0 - settings.exclusion_penalty if m.possible_exclusions else 1.0
    factor *= 1.0 + settings.concept_boost * min(len(m.concepts), 2)
    if settings.inclusion_weight:
        met, unmet = m.criteria.count(MEETS, "inclusion"), m.criteria.count(FAILS, "inclusion")
        factor *= min(1.5, max(0.5, 1.0 + settings.inclusion_weight * (met - unmet)))
    return replace(m, score=score * factor)


def reorders(settings: MatchSettings) -> bool:
    """Whether the criteria checks move any score (else they are only needed for what is shown)."""
    return bool(
        settings.exclusion_penalty or settings.concept_boost or settings.inclusion_weight or settings.embedding_weight
    )


def checked(
    catalog: Catalog,
    patient: Patient,
    statuses: tuple[str, ...],
    settings: MatchSettings,
    shown: int | None = None,
    where: SearchQuery | None = None,
) -> tuple[list[Match], list[Hit]]:
    """The best candidates with their criteria checked, and the rest of the hits.

    As many are checked as the ranking uses (`settings.rerank`), or only the `shown` ones when the
    checks move no score: batch ranking then loads no record past the feedback's few.
    """
    loaded: dict[str, TrialRecord] = {}
    hits = candidates(catalog, patient, statuses, settings, where, loaded)
    depth = settings.rerank if shown is None or reorders(settings) else shown
    head, rest = hits[:depth], hits[depth:]
    records = _load(catalog, head, loaded)
    scores = {h.nct_id: h.score for h in head}
    if not records:
        return [], rest
    facts = read_facts(patient.text, records, catalog.synonyms)
    # Criteria are checked where they move the score or will be shown; elsewhere only the search
    # score (and the embeddings) order the candidates.
    by_criteria = bool(settings.exclusion_penalty or settings.concept_boost or settings.inclusion_weight)
    matches = [
        check(r, scores[r.nct_id], patient, facts)
        if by_criteria or shown is None or i < shown
        else Match(r, scores[r.nct_id], scores[r.nct_id])
        for i, r in enumerate(records)
    ]
    if facts.markers:  # every checked candidate, shown or not: the order depends on it
        markers = dict(facts.markers)
        matches = [replace(m, conflicts=marker_conflicts(m.record, markers)) for m in matches]
    model = embedder() if settings.embedding_weight else None
    if model is not None and matches:
        sims = model.similarities(query_text(patient.text) or patient.text, records, feedback_text)
        matches = [replace(m, similarity=x) for m, x in zip(matches, sims, strict=True)]
    return matches, rest


def order(head: list[Match], settings: MatchSettings) -> list[Match]:
    top = max((m.search_score for m in head), default=0.0)
    return sorted((rescore(m, settings, top) for m in head), key=lambda m: (bool(m.conflicts), -m.score))


def _ranking(
    catalog: Catalog,
    patient: Patient,
    statuses: tuple[str, ...],
    settings: MatchSettings,
    shown: int,
    where: SearchQuery | None = None,
) -> tuple[list[Match], list[Hit]]:
    head, rest = checked(catalog, patient, statuses, settings, shown, where)
    return order(head, settings), rest


def match(
    catalog: Catalog,
    patient: Patient,
    *,
    statuses: tuple[str, ...] = (),
    limit: int = 10,
    settings: MatchSettings = DEFAULT,
    where: SearchQuery | None = None,
) -> list[Match]:
    """Trials the patient could join, best first; hard limits (age, sex, status) are filters, and
    so are the place and freshness of `where` (its near, within_km, countries, fresh)."""
    wide = replace(settings, candidates=max(limit, settings.candidates))
    head, rest = _ranking(catalog, patient, statuses, wide, limit, where)
    tail = rest[: max(0, limit - len(head))]
    tail_scores = {h.nct_id: h.score for h in tail}
    return [*head, *(Match(r, tail_scores[r.nct_id], tail_scores[r.nct_id]) for r in _load(catalog, tail))][:limit]


def match_ids(
    catalog: Catalog,
    patient: Patient,
    *,
    statuses: tuple[str, ...] = (),
    limit: int = 100,
    settings: MatchSettings = DEFAULT,
    where: SearchQuery | None = None,
) -> list[tuple[str, float]]:
    """(trial id, score) as `match` ranks them, without loading the records past the checked head."""
    wide = replace(settings, candidates=max(limit, settings.candidates))
    head, rest = _ranking(catalog, patient, statuses, wide, 0, where)
    return [*((m.record.nct_id, m.score) for m in head), *((h.nct_id, h.score) for h in rest)][:limit]
