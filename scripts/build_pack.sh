#!/usr/bin/env bash
# Builds a country pack (docs/countries.md): the reproducible commands that
# take a country's UN WPP tables and calibration targets to a pack.
#
# usage: scripts/build_pack.sh --name NAME --population POP.csv --mortality MX.csv
#          [--migration MIG.csv] [--label TEXT] [--source TEXT] [--currency CODE]
#          [--targets FILE.yaml] [--event-targets FILE.yaml]
#          [--out DIR] [--scenario FILE.yaml] [--steps LIST] [--agents N]
#          [--calibrate-agents N] [--max-iter K] [--osteosim BIN] [--threads T] [--force]
#
#   --name NAME          the country, lower case (file prefix: NAME_population.csv, ...)
#   --population/--mortality  WPP-format long tables (as ../shared/data/*_2025_2050.csv)
#   --migration MIG.csv  optional WPP net migration by age (copied to data/NAME_migration.csv;
#                        demography.migration_file is set when the program reads that key)
#   --label TEXT         demography.label (default: "NAME, UN WPP 2024 Medium variant")
#   --source TEXT        source line written into the tables (wpp_to_osteosim.py --source)
#   --currency CODE      ISO 4217 code of the pack's costs (default CNY, China's template)
#   --targets FILE       the baseline (prevalence) targets, copied to targets/
#   --event-targets FILE the event targets with their `fit:` section, copied to targets/
#   --out DIR            the pack (default configs/countries/NAME)
#   --scenario FILE      the scenario written for the pack (default configs/NAME.yaml)
#   --steps LIST         comma-separated subset of template,convert,derive,calibrate
#                        (default: all four, in that order)
#   --agents N           agents of the ageing-rate derivation (default 200000)
#   --calibrate-agents N agents per calibration evaluation (default 1000000)
#   --max-iter K         calibration iterations (default 200)
#   --force              replace an existing pack directory (template step)
#
# Steps:
#   template   copy China's pack (configs/countries/china) to DIR, every copied
#              file marked TEMPLATE at the top: its values are China's until
#              replaced (docs/countries.md lists what must be replaced);
#              China's targets become targets/NAME_*.yaml unless --targets /
#              --event-targets are given; costs are relabelled --currency
#              (the amounts stay China's until replaced).  Writes the scenario.
#   convert    WPP tables -> DIR/data with scripts/wpp_to_osteosim.py (ages 45+).
#   derive     the ageing rates that keep age-specific prevalence stable, from
#              the pack's baselines (scripts/derive_ageing_rates.py --write).
#   calibrate  osteosim calibrate SCENARIO --targets <event targets> -o DIR/fitted.yaml
#              (the first simulated year only, as China's fit: run.end_year = start + 1).
# Exit codes: 0 ok, 2 usage or a failed step.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
name= pop= mx= mig= label= source= currency= targets= etargets= out= scen=
steps=template,convert,derive,calibrate agents=200000 cal_agents=1000000 max_iter=200
bin=${OSTEOSIM:-$src/build/osteosim} threads=2 force=0
die() { echo "build_pack: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --population) pop=$2; shift 2 ;;
    --mortality) mx=$2; shift 2 ;;
    --migration) mig=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --currency) currency=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --event-targets) etargets=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --scenario) scen=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --agents) agents=$2; shift 2 ;;
    --calibrate-agents) cal_agents=$2; shift 2 ;;
    --max-iter) max_iter=$2; shift 2 ;;
    --osteosim) bin=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) sed -n '2,44p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ $# -eq 0 ] || die "unexpected argument '$1'"
[[ $name =~ ^[a-z][a-z0-9_]*$ ]] || die "--name must be lower case letters, digits, _ (got '$name')"
[ "$name" != china ] || die "--name china would replace China's pack, the template"
out=${out:-$src/configs/countries/$name}
scen=${scen:-$src/configs/$name.yaml}
label=${label:-"$name, UN WPP 2024 Medium variant"}
tpl=$src/configs/countries/china
has() { [[ ,$steps, == *,$1,* ]]; }
for s in ${steps//,/ }; do
  case $s in template|convert|derive|calibrate) ;; *) die "--steps: unknown step '$s'" ;; esac
done
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

# ---- template: China's pack, marked, renamed ----
if has template; then
  if [ -e "$out" ]; then
    [ "$force" = 1 ] || die "$out exists: not replaced without --force"
    rm -rf "$out"
  fi
  mkdir -p "$out/data" "$out/targets"
  today=$(date -u +%Y-%m-%d)
  for f in pack.yaml demography.yaml physiology.yaml physiology_fitted.yaml events.yaml fitted.yaml disability_fitted.yaml economics.yaml; do
    { echo "# TEMPLATE copied from configs/countries/china/$f by scripts/build_pack.sh on $today:"
      echo "# every value below is China's until replaced for $name (docs/countries.md)."
      cat "$tpl/$f"; } > "$out/$f"
  done
  # Targets: the user's files, else China's renamed and marked.
  if [ -n "$targets" ]; then cp "$targets" "$out/targets/"; t1=$(basename "$targets")
  else
    t1=${name}_2025.yaml
    { echo "# TEMPLATE: China's targets (configs/countries/china/targets/china_2025.yaml); REPLACE for $name."
      cat "$tpl/targets/china_2025.yaml"; } > "$out/targets/$t1"
  fi
  if [ -n "$etargets" ]; then cp "$etargets" "$out/targets/"; t2=$(basename "$etargets")
  else
    t2=${name}_events.yaml
    { echo "# TEMPLATE: China's targets (configs/countries/china/targets/china_events.yaml); REPLACE for $name."
      sed "s/^  - china_fractures.yaml/  - ${name}_fractures.yaml/" "$tpl/targets/china_events.yaml"; } > "$out/targets/$t2"
    { echo "# TEMPLATE: China's targets (configs/countries/china/targets/china_fractures.yaml); REPLACE for $name."
      cat "$tpl/targets/china_fractures.yaml"; } > "$out/targets/${name}_fractures.yaml"
  fi
  { echo "# TEMPLATE: China's targets (configs/countries/china/targets/china_disability.yaml); REPLACE for $name."
    cat "$tpl/targets/china_disability.yaml"; } > "$out/targets/${name}_disability.yaml"
  "$py" - "$out" "$name" "$label" "$t1" "$t2" "${currency:-CNY}" <<'PY' || die "template: cannot write the pack"
import os, re, sys
out, name, label, t1, t2, cur = sys.argv[1:7]
def edit(f, fn):
    p = os.path.join(out, f)
    t = fn(open(p).read())
    open(p + ".tmp", "w").write(t)
    os.replace(p + ".tmp", p)
edit("pack.yaml", lambda t: t.replace("targets/china_2025.yaml", "targets/" + t1)
                             .replace("targets/china_events.yaml", "targets/" + t2))
def demog(t):
    t = re.sub(r'(\n  label: ).*', r'\1"%s"' % label.replace('"', "'"), t, count=1)
    t = t.replace("data/china_population.csv", "data/%s_population.csv" % name)
    t = t.replace("data/china_mortality.csv", "data/%s_mortality.csv" % name)
    return t.replace("data/china_migration.csv", "data/%s_migration.csv" % name)
edit("demography.yaml", demog)
if cur != "CNY":
    edit("economics.yaml", lambda t: re.sub(r"\bCNY\b", cur, t))
PY
  licence="$out/DATA-LICENCE.md"
  sed "s/china_population.csv/${name}_population.csv/; s/china_mortality.csv/${name}_mortality.csv/" \
    "$tpl/DATA-LICENCE.md" > "$licence"
  # The scenario: the generic parameters, then the pack (paths relative to it).
  mkdir -p "$(dirname "$scen")"
  "$py" - "$scen" "$src/configs/params" "$out" "$name" "$label" <<'PY' || die "cannot write $scen"
import os, sys
scen, params, pack, name, label = sys.argv[1:6]
d = os.path.dirname(os.path.abspath(scen))
# Relative to the scenario when they share more than the root, else absolute.
rel = lambda p: os.path.relpath(p, d) if os.path.commonpath([d, os.path.abspath(p)]) != "/" else os.path.abspath(p)
text = """# Scenario of the %s pack (written by scripts/build_pack.sh; docs/countries.md):
# the generic parameters, then the country pack.
include:
  - %s
  - %s
  - %s
  - %s

scenario:
  name: %s
  description: "%s, people aged 50+, status quo, 2025-2050"

run:
  start_year: 2025
  end_year: 2050
  agents: 1000000
  seed: 20250701

output:
  event_log: false
""" % (name, rel(os.path.join(params, "physiology.yaml")), rel(os.path.join(params, "events.yaml")),
       rel(os.path.join(params, "economics.yaml")), rel(os.path.join(pack, "pack.yaml")), name,
       label.replace('"', "'"))
open(scen + ".tmp", "w").write(text)
os.replace(scen + ".tmp", scen)
PY
  echo "build_pack: template: $out (China's values, marked TEMPLATE), scenario $scen"
fi
[ -f "$out/pack.yaml" ] || die "$out/pack.yaml: no pack (run the template step first)"

# ---- convert: WPP tables -> data/ ----
if has convert; then
  [ -n "$pop" ] && [ -n "$mx" ] || die "convert: --population and --mortality are required"
  extra=()
  [ -n "$source" ] && extra+=(--source "$source")
  "$py" "$src/scripts/wpp_to_osteosim.py" "$pop" "$mx" "$out/data" 45 --name "$name" --force "${extra[@]}" \
    > /dev/null || die "convert: wpp_to_osteosim.py failed"
  if [ -n "$mig" ]; then
    cp "$mig" "$out/data/${name}_migration.csv"
    # Set demography.migration_file only when the program reads it.
    if "$bin" check "$scen" --set "demography.migration_file=$out/data/${name}_migration.csv" > /dev/null 2>&1; then
      sed -i "s|^  # migration_file: data/${name}_migration.csv|  migration_file: data/${name}_migration.csv|" "$out/demography.yaml"
    else
      echo "build_pack: convert: this osteosim does not read demography.migration_file; the table is in data/, the key left commented" >&2
    fi
  fi
  echo "build_pack: convert: $out/data/${name}_population.csv, ${name}_mortality.csv"
fi

if has derive || has calibrate; then
  [ -x "$bin" ] || die "no program at $bin (build first, or pass --osteosim)"
  "$bin" check "$scen" > /dev/null || die "$scen does not check (fix the pack first)"
fi

# ---- derive: ageing rates from the pack's baselines ----
if has derive; then
  "$py" "$src/scripts/derive_ageing_rates.py" "$scen" --agents "$agents" --threads "$threads" \
    --osteosim "$bin" --write "$out/physiology.yaml" || die "derive: derive_ageing_rates.py failed"
fi

# ---- calibrate: event parameters to the pack's targets ----
if has calibrate; then
  et=$("$py" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["calibration"]["targets_extra"])' "$out/pack.yaml")
  start=$("$bin" check "$scen" | sed -n 's/^  start_year: *\([0-9]*\).*/\1/p' | head -1)
  # The run includes the current fitted.yaml (the starting point), which
  # calibrate does not overwrite: write beside it, then rename.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$bin" calibrate "$scen" --targets "$out/$et" --method lm -o "$work/fitted.yaml" \
    --agents "$cal_agents" --threads "$threads" --max-iter "$max_iter" \
    --set "run.end_year=$((start + 1))" || die "calibrate: osteosim calibrate failed"
  mv "$work/fitted.yaml" "$out/fitted.yaml"
  echo "build_pack: calibrate: $out/fitted.yaml"
fi
echo "build_pack: done; check: $bin run $scen (docs/countries.md, 'Is it calibrated?')"
