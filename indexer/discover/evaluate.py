"""Ranking quality against graded judgements: nDCG@k, P@k and recall@100, as trec_eval computes them."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Topic:
    """One evaluation topic: a patient's description and its id."""

    id: str
    text: str


class InputFileError(ValueError):
    """A topics or qrels file that cannot be read; the message names the file and line."""


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()  # -sig: as Windows' Notepad saves UTF-8
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def load_topics(path: Path) -> list[Topic]:
    topics: list[Topic] = []
    lines: dict[str, int] = {}  # id -> the line that gave it
    for n, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError(f"a JSON {type(obj).__name__}, not an object")
            topic_id, text = obj["id"], obj["text"]
            # str() of anything else searched for the words "None" or "['...']", and ranked them.
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"text {json.dumps(text)}: give the patient in words")
            if isinstance(topic_id, bool) or not isinstance(topic_id, str | int) or not str(topic_id).strip():
                raise ValueError(f"id {json.dumps(topic_id)}: give a name or a number")
        except (ValueError, KeyError) as exc:
            raise InputFileError(f'{path}:{n}: each line must be a JSON object with "id" and "text" ({exc})') from exc
        name = str(topic_id)
        if name in lines:  # two rankings under one id: a run no scorer can read
            raise InputFileError(f"{path}:{n}: id {name!r} is on line {lines[name]} too: give each patient its own")
        lines[name] = n
        topics.append(Topic(name, text))
    return topics


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC qrels, `topic 0 doc grade` per line -> {topic: {doc: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    for n, line in enumerate(_lines(path), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4 or not re.fullmatch(r"-?\d+", parts[3]):
            raise InputFileError(f"{path}:{n}: expected 'topic 0 doc grade' (grade a whole number)")
        qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def ndcg(ranked: Sequence[str], grades: dict[str, int], k: int = 10) -> float:
    """Linear gains (grade), log2 discount; ideal from every judged document (trec_eval's ndcg_cut)."""
    dcg = sum(grades.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision(ranked: Sequence[str], grades: dict[str, int], k: int = 10, min_grade: int = 2) -> float:
    return sum(1 for doc in ranked[:k] if grades.get(doc, 0) >= min_grade) / k


def recall(ranked: Sequence[str], grades: dict[str, int], k: int = 100, min_grade: int = 2) -> float:
    relevant = {d for d, g in grades.items() if g >= min_grade}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


@dataclass(frozen=True)
class Scores:
    """A ranking's scores over a set of judged topics."""

    topics: int
    ndcg: float
    precision: float
    recall: float
    per_topic: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "topics": self.topics,
            "ndcg@10": round(self.ndcg, 4),
            "P@10": round(self.precision, 4),
            "recall@100": round(self.recall, 4),
            "per_topic_ndcg@10": {k: round(v, 4) for k, v in self.per_topic.items()},
        }


def evaluate(
    topics: Sequence[Topic], qrels: dict[str, dict[str, int]], rank: Callable[[Topic], list[str]], k: int = 10
) -> Scores:
    """Scores over topics with at least one relevant judged document (as trec_eval leaves the rest out).

    P@k and recall@100 count eligible trials (grade 2) as relevant; nDCG uses every grade.
    """
    judged = [t for t in topics if any(g > 0 for g in qrels.get(t.id, {}).values())]
    per: dict[str, float] = {}
    p_sum = r_sum = 0.0
    for topic in judged:
        ranked = rank(topic)
        grades = qrels[topic.id]
        per[topic.id] = ndcg(ranked, grades, k)
        p_sum += precision(ranked, grades, k)
        r_sum += recall(ranked, grades, 100)
    n = len(judged) or 1
    return Scores(len(judged), sum(per.values()) / n, p_sum / n, r_sum / n, per)


@dataclass(frozen=True)
class CrossValidated:
    """Two-fold cross-validation: choose on one half of the topics, score on the other, and the reverse."""

    mean: float  # out-of-fold nDCG over every topic
    folds: tuple[float, ...]  # each held-out half's nDCG
    chosen: tuple[str, ...]  # the setting chosen on the other half, per fold


def folds(topic_ids: Sequence[str], k: int = 2) -> list[list[str]]:
    """Topics dealt in turn into k folds, in the order given (fixed, so every run splits alike)."""
    return [list(topic_ids[i::k]) for i in range(k)]


def cross_validate(per_topic: dict[str, dict[str, float]], k: int = 2) -> CrossValidated:
    """`per_topic` maps each candidate setting to its per-topic nDCG (same topics for all)."""
    names = list(per_topic)
    topic_ids = list(per_topic[names[0]])
    parts = folds(topic_ids, k)
    held_out: list[float] = []
    chosen: list[str] = []
    total = 0.0
    for i, test in enumerate(parts):
        train = [t for j, part in enumerate(parts) if j != i for t in part]
        # Ties go to the earlier (simpler) setting in the caller's order.
        best = max(names, key=lambda n: (sum(per_topic[n][t] for t in train), -names.index(n)))
        score = sum(per_topic[best][t] for t in test)
        held_out.append(score / len(test))
        chosen.append(best)
        total += score
    return CrossValidated(total / len(topic_ids), tuple(held_out), tuple(chosen))
