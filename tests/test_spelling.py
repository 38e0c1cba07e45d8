"""British medical spellings searched as American ones: the rules, their false positives, and search end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.catalog import Catalog, write_records
from indexer.config import load
from indexer.discover import matching
from indexer.discover.facts import norm
from indexer.index import cluster_dsl as dsl
from indexer.index.document import SearchQuery
from indexer.parsers import parse
from indexer.spelling import american, american_whole
from tests.conftest import shared

# Written by hand from the Oxford and Merriam-Webster entries (British form, American form): the words a UK
# patient or register writes, with plurals, derivatives and prefixed forms the rules must reach too.
BRITISH = """
leukaemia leukemia; Leukaemias Leukemias; antileukaemic antileukemic; anaemia anemia; anaemic anemic;
haematology hematology; haematological hematological; haemoglobin hemoglobin; haemorrhage hemorrhage;
haemophilia hemophilia; haematopoietic hematopoietic; haemodialysis hemodialysis; haemolytic hemolytic;
ischaemic ischemic; ischaemia ischemia; septicaemia septicemia; bacteraemia bacteremia;
hypoglycaemia hypoglycemia; hyperkalaemia hyperkalemia; hyponatraemia hyponatremia; thalassaemia thalassemia;
polycythaemia polycythemia; hypercholesterolaemia hypercholesterolemia; paediatric pediatric;
paediatrics pediatrics; orthopaedic orthopedic; encyclopaedia encyclopedia; neutropaenia neutropenia;
gynaecology gynecology; gynaecologist gynecologist; gynaecomastia gynecomastia; faeces feces; faecal fecal;
caecum cecum; caesarean cesarean; aetiology etiology; anaesthesia anesthesia; anaesthetist anesthetist;
paraesthesia paresthesia; hypoaesthesia hypoesthesia; naevus nevus; melaena melena; praevia previa;
caeruloplasmin ceruloplasmin; oesophageal esophageal; oesophagus esophagus; gastro-oesophageal gastro-esophageal;
gastrooesophageal gastroesophageal; transoesophageal transesophageal; oedema edema; lymphoedema lymphedema;
myxoedema myxedema; angio-oedema angio-edema; oestrogen estrogen; oestradiol estradiol; ethinyloestradiol
ethinylestradiol; diarrhoea diarrhea; diarrhoeal diarrheal; amenorrhoea amenorrhea; gonorrhoea gonorrhea;
dyspnoea dyspnea; apnoea apnea; tachypnoea tachypnea; foetal fetal; foetus fetus; coeliac celiac;
homoeopathy homeopathy; amoebic amebic; tumour tumor; Tumours Tumors; antitumour antitumor; behaviour behavior;
behavioural behavioral; colour color; discoloured discolored; favourable favorable; unfavourable unfavorable;
labour labor; odour odor; humour humor; humoural humoral; rigour rigor; vapour vapor; harbouring harboring;
LEUKAEMIA LEUKEMIA; Oedema Edema; OESOPHAGEAL ESOPHAGEAL
"""
PAIRS = [tuple(pair.split()) for pair in re.split(r";\s*", BRITISH.strip())]

# Words where the same letters are no digraph, or the word is no -our noun: they must stay. Common English,
# names of people and places in the registry's records, and combining forms already American.
STAY = """
aerosol aerobic aeruginosa aesthetic Michael Rafael Israel maestro Caen AESI SAE SAEs spinae does goes
shoe shoes toe toes canoe oboe Noel Joel Zoe poem poet Phoenix Boehringer Goethe Schoeller Roentgen oeuvre
hour hours four fourth your yours pour tour contour detour devour flour Mansour Seymour Nemours Jabbour
gastroesophageal angioedema phytoestrogen thromboelastography viscoelastic hypoestrogenism Haemek Graeme
Taemin Laemmer Kraemer Kaemingk Dongdaemun Coelho Coelingh Oestreicher aerospace Raes
"""


@pytest.mark.parametrize(("british", "american_form"), PAIRS)
def test_british_spellings_are_made_american(british: str, american_form: str) -> None:
    assert american(british) == american_form
    assert american(american_form) == american_form  # and the American form stays as it is


@pytest.mark.parametrize("word", STAY.split())
def test_words_that_only_look_british_stay(word: str) -> None:
    assert american(word) == word


def test_text_keeps_its_other_characters() -> None:
    text = "Acute Myeloid Leukaemia (AML); tumour ≥ 2 cm, oedema. Does your hour-long behaviour?"
    assert american(text) == "Acute Myeloid Leukemia (AML); tumor ≥ 2 cm, edema. Does your hour-long behavior?"


# Every word of the real legacy XML records (523 trials) that the rules change, each checked by hand
# to be a British spelling of a medical or -our word (typos and run-together words of the records kept).
REAL_CHANGED = """
amenorrhoea anaemia anaemias anaesthesia anaesthesiol anaesthetics apnoea azotaemia bacteraemia behaviour
behaviours caecum caesarian defaecation diarrhoea discolouration dysmenorrhoea dyspnoea erythrodysaesthesia
europaediatrics faecaloma favourable foetal gastrooesophageal gynaecological haemagglutinin haematemesis
haematochezia haematol haematologica haematological haematologisch haematology haematoma haematopoietic
haematuria haemochromatosis haemodynamic haemoglobin haemoglobinuria haemolysis haemolytic haemophilus
haemopneumothorax haemoptysis haemorrhage haemorrhages haemorrhagic haemorrhoidal haemorrhoids haemost harbour
hyperaemia hyperbilirubinaemia hypercalcaemia hyperchoesterolaemia hypercholesterolaemia hypercreatinaemia
hyperglycaemia hyperkalaemia hyperphosphataemia hypertransaminasaemia hyperuricaemia hypoaesthesia
hypocalcaemia hypoglycaemia hypoglycaemic hypokalaemia hypomagnesaemia hyponatraemia hypophosphataemia
hypovolaemia ischaemia ischaemic leukaemia leukaemias melaena nonhaemolytic odour oedema oesophageal
oesophagitis orthopaedics otorrhoea paediatr paediatric paediatrics paraesthesia rhinorrhoea septicaemia
tachypnoea tumour tumours unfavourable versicolour viraemia
"""


def test_the_words_of_real_records_that_change_are_british_spellings() -> None:
    words: set[str] = set()
    for path in sorted(shared("ctgov", "xml").glob("NCT*.xml")):
        words.update(re.findall(r"[a-z]+", path.read_text(encoding="utf-8", errors="replace").lower()))
    assert len(words) > 20_000
    assert sorted(w for w in words if american(w) != w) == REAL_CHANGED.split()
    assert all(american(american(w)) == american(w) for w in words)


def test_word_by_word_equals_the_rules_over_the_whole_text() -> None:
    # The rules over whole texts cost milliseconds a page: 40 records of the legacy XML, and the EU register's.
    paths = [*sorted(shared("ctgov", "xml").glob("NCT*.xml"))[::13], *sorted(shared("registries", "euctr").iterdir())]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    texts += ["İstanbul leukaemia", "x_oedema 1oedema", "tumour\u0301 Ａnaemia", "our", ""]
    assert [t for t in texts if american(t) != american_whole(t)] == []


def _catalog(tmp: Path, *files: Path) -> Catalog:
    catalog = Catalog(load(tmp))
    write_records(catalog, [r for f in files for r in parse(f.read_bytes())])
    return catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    # NCT00002504 files "Leukemia" (American, and nowhere "leukaemia"); NCT02679963 writes only
    # "leukaemia" (in its criteria) and never "leukemia"; NCT05997121 writes only "paediatric".
    files = [shared("ctgov", "xml", "NCT00002504.xml"), shared("ctgov", "xml", "NCT02679963.xml")]
    return _catalog(tmp_path_factory.mktemp("spelling"), *files, shared("ctgov", "v2", "NCT05997121.json"))


def _ids(catalog: Catalog, **query: object) -> set[str]:
    result, _ = catalog.search(SearchQuery(**query))  # type: ignore[arg-type]
    return {h.nct_id for h in result.hits}


def test_a_british_spelling_finds_both_spellings(catalog: Catalog) -> None:
    assert _ids(catalog, text="leukaemia") == {"NCT00002504", "NCT02679963"}
    assert _ids(catalog, text="Leukaemia treatment") >= {"NCT00002504", "NCT02679963"}
    assert _ids(catalog, conditions=("Leukaemia",)) == {"NCT00002504"}  # as it files "Leukemia"
    assert _ids(catalog, text="paediatric") == {"NCT05997121"}
    # The index keeps the records' words: an American query finds the American spelling only.
    assert _ids(catalog, text="leukemia") == {"NCT00002504"}


def test_cluster_queries_ask_for_both_spellings() -> None:
    body = str(dsl.build_query(SearchQuery(text="tumour", conditions=("oedema",))))
    assert all(w in body for w in ("'tumour tumor'", "'oedema'", "'edema'"))


def test_match_reads_a_british_description(catalog: Catalog) -> None:
    patient = matching.read_patient("I am 40 and have leukaemia")
    found = [m.record.nct_id for m in matching.match(catalog, patient, statuses=(), limit=5)]
    assert "NCT00002504" in found
    assert " leukemia " in norm("Leukaemia, relapsed")  # criteria name the patient's condition either way
