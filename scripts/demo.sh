#!/usr/bin/env bash
# The main job, offline: harvest the shipped real records from a local mock registry and a bulk
# archive into an embedded index, then run the queries a patient and a researcher would.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-.demo-data}
BIN=.venv/bin
rm -rf "$DATA"
mkdir -p "$DATA"
export TRIALS_DATA="$DATA" TRIALS_DOWNLOAD_DELAY=0

step() { if [ -t 1 ]; then printf '\n\033[1m$ %s\033[0m\n' "$*"; else printf '\n$ %s\n' "$*"; fi; "$@"; }

# A local stand-in for clinicaltrials.gov, serving the shipped API v2 records.
$BIN/python -m devtools.mockserver demo/data/ctgov --max-page-size 100 --port-file "$DATA/mock.port" >/dev/null &
MOCK=$!
# A local stand-in for a trial-finder site, carrying the seed page's text (tests/fixtures/listing).
$BIN/python -m devtools.sitemock tests/fixtures/listing/site --port-file "$DATA/site.port" >/dev/null &
SITE=$!
trap 'kill $MOCK $SITE 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$DATA/mock.port" ] && [ -s "$DATA/site.port" ] && break; sleep 0.1; done
API="http://127.0.0.1:$(cat "$DATA/mock.port")/api/v2"
LISTING="http://127.0.0.1:$(cat "$DATA/site.port")"

echo "== Harvest =="
step $BIN/trials crawl ctgov --since 2000-01-01 --api-url "$API"
step $BIN/trials ingest demo/data/ctgov_xml.zip demo/data/ctgov_xml_versions
# The sitemap lists one page the site no longer has (a 404): the crawl stores the rest, keeps the
# failure, and exits 3, the documented "finished, some documents failed" code.
code=0
step $BIN/trials crawl listing "$LISTING/sitemap.xml" || code=$?
[ "$code" = 3 ] || { echo "expected exit 3 (partial) from the listing crawl, got $code" >&2; exit 1; }
echo "(exit 3: partial, as expected here)"
step $BIN/trials failures
step $BIN/trials stats --by status

echo; echo "== A patient: recruiting lupus trials I could join at 34 =="
step $BIN/trials search --condition lupus --status recruiting --age 34 --sex F
echo; echo "== Low-dose IL-2 for lupus, best match first =="
step $BIN/trials search "low-dose IL-2 lupus" --limit 5
echo; echo "== A patient's own words: the place, age and status they state become the filters =="
step $BIN/trials search "recruiting lupus trials with low-dose IL-2 near Beijing, I am 34"
echo; echo "== Anyone: trials of a drug, by any of its names =="
step $BIN/trials search --drug aldesleukin --phase 2 --limit 5
step $BIN/trials show NCT04077684 --near "Beijing, China"
echo; echo "== Near a place, open and fresh, nearest first =="
step $BIN/trials search --condition lupus --near "Beijing, China" --within 50 --sort distance
step $BIN/trials search --condition "lung cancer" --fresh --limit 5
step $BIN/trials similar NCT04077684 --limit 5
echo; echo "== A patient describes themself =="
step $BIN/trials match --text "I am 34, female, with systemic lupus; my doctor mentioned low-dose IL-2" --limit 5 --near Beijing
echo; echo "== A tumour marker the patient states: trials asking the other status come last, saying why =="
step $BIN/trials match --text "55 year old woman with HER2-negative metastatic breast cancer" --status any --limit 10

echo; echo "== A researcher: what changed, and following a search =="
step $BIN/trials history NCT02798588
step $BIN/trials changes --since 2017-01-01 --event status
step $BIN/trials watch add lupus-il2 --condition SLE --drug IL-2
step $BIN/trials watch run --atom "$DATA/lupus-il2.xml"
echo; echo "== The same trial as JSON, for scripts =="
$BIN/trials show NCT04077684 --json | $BIN/python -c 'import json,sys; r=json.load(sys.stdin); print({k: r[k] for k in ("nct_id","overall_status","enrollment","phases")}, "inclusion:", len(r["eligibility"]["inclusion"]), "exclusion:", len(r["eligibility"]["exclusion"]))'

echo; echo "== The web page and JSON API: \`trials serve\` for a few seconds =="
$BIN/trials serve --port 0 2> "$DATA/serve.log" &
SERVE=$!
trap 'kill $MOCK $SITE $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "serving" "$DATA/serve.log" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[^ ]*[0-9]' "$DATA/serve.log" | head -1)
$BIN/python scripts/web_peek.py "$URL" NCT04077684
kill $SERVE; wait $SERVE 2>/dev/null || true
echo; echo "Keep it running with: TRIALS_DATA=$DATA $BIN/trials serve   (then open http://127.0.0.1:8000/)"
