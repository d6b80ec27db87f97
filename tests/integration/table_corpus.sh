#!/usr/bin/env bash
# Corrupt demography tables (made from the shipped China tables in $TMP):
# `osteosim check` and `osteosim run` must each exit 2 with ONE stderr line
# of printable ASCII naming the file (and "file:LINE:" where a line is at
# fault), never a signal, never a hang, never exit 0, and the run leaves no
# output.  Tables that are fine in another form (a UTF-8 BOM, CRLF line ends,
# spaces around fields) run and give the same /summary as the shipped ones.
# Then the memory check: `check` prints the estimate, run.max_memory too
# small refuses the run in one line that says how many agents would fit.
source "$(dirname "$0")/../integration_lib.sh"

cfg="$SRC/configs/china.yaml"
POP="$SRC/configs/countries/china/data/china_population.csv"
MX="$SRC/configs/countries/china/data/china_mortality.csv"
C="$TMP/cases"
rm -rf "$C" "$TMP"/*.h5
mkdir -p "$C"

# Manifest lines: name <TAB> table (pop|mx|mig) <TAB> expected substring <TAB> line (1: "file:N:")
# (mig: demography.migration_file, a synthetic table of net migrants.)
"$PY" - "$POP" "$MX" "$C" <<'PY' > "$TMP/manifest"
import os, sys
pop_path, mx_path, out = sys.argv[1:4]
pop = open(pop_path, newline="").read().split("\n")
mx = open(mx_path, newline="").read().split("\n")
HEAD = 4                      # comment lines before the header in both files

def data(lines):
    return [l for l in lines[HEAD + 1:] if l]

def write(name, text):
    if isinstance(text, str):
        text = text.encode("utf-8")
    with open(os.path.join(out, name), "wb") as f:
        f.write(text)

def case(name, table, expect, line, text):
    write(name + ".csv", text)
    print("\t".join([name + ".csv", table, expect, str(line)]))

def join(lines):
    return "\n".join(lines) + "\n"

def edit(lines, fn):
    """Applies fn(year, sex, age, value) -> list of rows to every data row."""
    res = lines[:HEAD + 1]
    for l in data(lines):
        y, s, a, v = l.split(",")
        res += fn(y, s, a, v)
    return res

def drop(lines, pred):
    return edit(lines, lambda y, s, a, v: [] if pred(y, s, a) else [",".join([y, s, a, v])])

def change_first(lines, col, new):
    res, done = lines[:HEAD + 1], False
    for l in data(lines):
        f = l.split(",")
        if not done and f[2] == "60":
            f[col] = new
            done = True
        res.append(",".join(f))
    return res

def shift(lines, dy):
    return edit(lines, lambda y, s, a, v: [",".join([str(int(y) + dy), s, a, v])])

P, M = "pop", "mx"
case("empty", P, "empty file", 0, "")
case("header_only", P, "no data rows", 1, join(pop[:HEAD + 1]))
case("comments_only", P, "no header line", 1, join(pop[:HEAD]))
case("missing_column", P, "column value: missing", 1,
     join(pop[:HEAD] + ["year,sex,age"] + [l.rsplit(",", 1)[0] for l in data(pop)]))
case("wpp_layout", P, "column value: missing", 1,
     join(pop[:HEAD] + ["year,sex,age,age_group,population"] + data(pop)))
case("columns_swapped", P, "header", 1, join(pop[:HEAD] + ["year,age,sex,value"] + data(pop)))
case("pop_as_mx", M, "is this the population table", 1, join(pop))
case("mx_as_pop", P, "is this the death-rate table", 1, join(mx))
case("missing_age_group", P, "age group missing", 0, join(drop(pop, lambda y, s, a: a == "60")))
case("missing_age_group_mx", M, "age group missing", 0, join(drop(mx, lambda y, s, a: a == "70")))
case("missing_open_group_sex", P, "no row for year", 0,
     join(drop(pop, lambda y, s, a: a == "100" and s == "male" and y == "2030")))
case("missing_year", P, "year missing", 0, join(drop(pop, lambda y, s, a: y == "2035")))
case("missing_year_mx", M, "year missing", 0, join(drop(mx, lambda y, s, a: y == "2035")))
case("missing_row", P, "no row for year 2040, female, age 70", 0,
     join(drop(pop, lambda y, s, a: (y, s, a) == ("2040", "female", "70"))))
case("duplicate_row", P, "duplicate row", 1, join(pop + [data(pop)[7]]))
case("negative_population", P, "negative", 1, join(change_first(pop, 3, "-57034156")))
case("fractional_population", P, "whole number", 1, join(change_first(pop, 3, "1234.5")))
case("mx_above_5", M, "outside (0, 5]", 1, join(change_first(mx, 3, "7.5")))
case("mx_zero", M, "outside (0, 5]", 1, join(change_first(mx, 3, "0")))
case("nan", M, "not a finite number", 1, join(change_first(mx, 3, "nan")))
case("inf", P, "not a finite number", 1, join(change_first(pop, 3, "inf")))
case("empty_value", M, "not a finite number", 1, join(change_first(mx, 3, "")))
case("text_in_number", P, "not a finite number", 1, join(change_first(pop, 3, "12O45")))
case("text_in_year", P, "column year", 1, join(change_first(pop, 0, "20x5")))
case("bad_sex", P, "column sex", 1, join(change_first(pop, 1, "Female")))
case("bad_age", M, "column age", 1, join(change_first(mx, 2, "sixty")))
case("extra_field", P, "expected 4 fields", 1,
     join([l + ",x" if i == HEAD + 3 else l for i, l in enumerate(pop)]))
case("mx_50_years_early", M, "do not cover the run years", 0, join(shift(mx, -50)))
case("pop_50_years_late", P, "no table for run.start_year", 0, join(shift(pop, 50)))
case("pop_starts_late", P, "no table for run.start_year 2025", 0, join(drop(pop, lambda y, s, a: int(y) < 2030)))
case("mx_from_age_60", M, "needed from age 50", 0, join(drop(mx, lambda y, s, a: int(a) < 60)))
case("pop_without_45", P, "below it", 0, join(drop(pop, lambda y, s, a: a == "45")))
case("cr_only", P, "carriage return", 1, "\r".join(pop))
case("nul_byte", P, "NUL byte", 1, join(pop[:HEAD + 3]) + "2025,fe\0male,50,1\n" + join(data(pop)))
case("zero_width_space", M, "not a finite number", 1, join(change_first(mx, 3, "0.0\u200b1")))
case("latin1_sex", P, "column sex", 1, join(pop[:HEAD + 1]).encode() + b"2025,f\xe9male,45,1\n")
case("long_line", P, "longer than", 1, join(pop[:HEAD + 2] + ["2025,female,45," + "1" * 5000]))
case("binary", P, "NUL byte", 0, bytes(range(256)) * 8)
case("bom_twice", P, "header", 1, "\ufeff\ufeff" + join(pop[HEAD:]))
case("utf16", P, "UTF-16", 1, join(pop).encode("utf-16"))
case("huge", P, "too large", 0, b"")
with open(os.path.join(out, "huge.csv"), "wb") as f:
    f.truncate(65 << 20)       # sparse: no disk used
# Not files.
os.mkdir(os.path.join(out, "directory.csv"))
print("directory.csv\tpop\tis a directory\t0")
os.mkfifo(os.path.join(out, "fifo.csv"))
print("fifo.csv\tpop\tnot a regular file\t0")
print("missing.csv\tpop\tcannot read\t0")
# Fine in another form: the same values.
write("ok_bom.csv", "\ufeff" + join(pop))
write("ok_crlf.csv", "\r\n".join(pop))
write("ok_spaces.csv", join(pop[:HEAD + 1] + [l.replace(",", " , ") for l in data(pop)]))
write("ok_mx_crlf_bom.csv", "\ufeff" + "\r\n".join(mx))

# Net migrants per period (signed, whole persons): the population table's
# years and groups, comment lines as the shipped tables have.
mig = pop[:HEAD + 1] + ["%s,%s,%s,%d" % (y, s, a, (-1) ** int(a) * (int(a) * 97 - int(y)))
                         for y, s, a, v in (l.split(",") for l in data(pop))]
G = "mig"
write("ok_mig.csv", join(mig))
case("mig_wpp_layout", G, "convert WPP files", 1,
     join(mig[:HEAD] + ["year,period,sex,age,age_group,net_migrants"] + data(mig)))
case("mig_missing_row", G, "no row for year 2030, male, age 85", 0,
     join(drop(mig, lambda y, s, a: (y, s, a) == ("2030", "male", "85"))))
case("mig_missing_age_group", G, "age group missing", 0, join(drop(mig, lambda y, s, a: a == "60")))
case("mig_missing_year", G, "year missing", 0, join(drop(mig, lambda y, s, a: y == "2035")))
case("mig_duplicate_row", G, "duplicate row", 1, join(mig + [data(mig)[9]]))
case("mig_fractional", G, "not a whole number of net migrants", 1, join(change_first(mig, 3, "-12.5")))
case("mig_huge", G, "below 2^31", 1, join(change_first(mig, 3, "-3e9")))
case("mig_text", G, "not a finite number", 1, join(change_first(mig, 3, "1 000")))
case("mig_bad_sex", G, "column sex", 1, join(change_first(mig, 1, "women")))
case("mig_open_group_95", G, "must be the population table's", 0,
     join(drop(mig, lambda y, s, a: a == "100")))
case("mig_starts_late", G, "after run.start_year 2025", 0, join(drop(mig, lambda y, s, a: y == "2025")))
case("mig_only_45", G, "must be the population table's", 0, join(drop(mig, lambda y, s, a: a != "45")))
PY

tried=0 clean=0 crash=0 hang=0 bad=0
# One command on one case: classifies the outcome, prints a line per problem.
judge() { # NAME WHAT RC EXPECT WANTLINE
    local name=$1 what=$2 rc=$3 want=$4 wantline=$5 err="$TMP/err" why=""
    tried=$((tried + 1))
    if [ "$rc" -eq 124 ]; then hang=$((hang + 1)); why="hang (timeout)"
    elif [ "$rc" -ge 128 ]; then crash=$((crash + 1)); why="signal $((rc - 128))"
    elif [ "$rc" -ne 2 ]; then why="exit $rc, expected 2"
    elif [ "$(wc -l < "$err")" -ne 1 ]; then why="$(wc -l < "$err") stderr lines"
    elif LC_ALL=C grep -q '[^[:print:]]' "$err"; then why="non-printable character in the message"
    elif ! grep -qF -- "$name" "$err"; then why="message does not name the file"
    elif [ "$wantline" = 1 ] && ! grep -qE -- "$name:[0-9]+: " "$err"; then why="message has no line number"
    elif ! grep -qF -- "$want" "$err"; then why="message lacks '$want'"
    fi
    if [ -n "$why" ]; then
        bad=$((bad + 1))
        echo "FAIL: $name: $what: $why: $(head -c 400 "$err")" >&2
    else
        clean=$((clean + 1))
    fi
}

while IFS=$'\t' read -r name table want wantline; do
    if [ "$table" = pop ]; then set_t="demography.population_file=$C/$name"
    elif [ "$table" = mig ]; then set_t="demography.migration_file=$C/$name"
    else set_t="demography.mortality_file=$C/$name"; fi
    rc=0
    timeout 20 "$OSTEOSIM" check "$cfg" --set "$set_t" > "$TMP/out" 2> "$TMP/err" || rc=$?
    judge "$name" check "$rc" "$want" "$wantline"
    out="$TMP/run-$name.h5"
    rm -f "$out" "$out".tmp.*
    rc=0
    timeout 20 "$OSTEOSIM" run "$cfg" "${SMALL[@]}" --set "$set_t" -o "$out" > /dev/null 2> "$TMP/err" || rc=$?
    judge "$name" run "$rc" "$want" "$wantline"
    if [ -e "$out" ] || ls "$out".tmp.* > /dev/null 2>&1; then
        bad=$((bad + 1)); echo "FAIL: $name: run left an output file" >&2
    fi
done < "$TMP/manifest"
ncases=$(wc -l < "$TMP/manifest")
echo "table_corpus: $ncases corrupt tables, $tried commands: $clean clean errors, $crash crashes, $hang hangs, $((bad - crash - hang)) other failures"
[ "$ncases" -ge 25 ] || fail "only $ncases corrupt tables"
[ "$bad" -eq 0 ] || fail "$bad of $tried commands did not give one clean error line"

# Another form of the same tables: accepted, same results.
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$TMP/ref.h5" || fail "reference run failed"
for v in ok_bom ok_crlf ok_spaces; do
    "$OSTEOSIM" check "$cfg" --set "demography.population_file=$C/$v.csv" \
        --set "demography.mortality_file=$C/ok_mx_crlf_bom.csv" > /dev/null 2> "$TMP/err" \
        || fail "$v: check refused: $(cat "$TMP/err")"
    "$OSTEOSIM" run "$cfg" "${SMALL[@]}" --set "demography.population_file=$C/$v.csv" \
        --set "demography.mortality_file=$C/ok_mx_crlf_bom.csv" -o "$TMP/$v.h5" 2> "$TMP/err" \
        || fail "$v: run refused: $(cat "$TMP/err")"
    h5diff -q "$TMP/ref.h5" "$TMP/$v.h5" /summary /summary || fail "$v: /summary differs from the shipped tables'"
done
echo "table_corpus: BOM, CRLF and spaced tables accepted with identical /summary"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" --set "demography.migration_file=$C/ok_mig.csv" -o "$TMP/mig.h5" \
    2> "$TMP/err" || fail "a valid migration table was refused: $(cat "$TMP/err")"
echo "table_corpus: a signed migration table runs"

# ---- memory ----
"$OSTEOSIM" check "$cfg" > "$TMP/check.out" 2> "$TMP/err" || fail "check of china.yaml failed: $(cat "$TMP/err")"
grep -qE '^# memory estimate: [0-9.]+ (MiB|GiB) per process' "$TMP/check.out" \
    || fail "check prints no memory estimate"
echo "table_corpus: $(grep '^# memory estimate' "$TMP/check.out" | cut -c1-60)..."

refuse() { # WHAT WANT ARGS...: exit 2, one line containing WANT, no output
    local what=$1 want=$2 rc=0
    shift 2
    timeout 60 "$OSTEOSIM" "$@" > /dev/null 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2: $(cat "$TMP/err")"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "$what: not one line: $(cat "$TMP/err")"
    grep -qF -- "$want" "$TMP/err" || fail "$what: message lacks '$want': $(cat "$TMP/err")"
}
refuse "check, 1MiB" "agents would fit" check "$cfg" --set run.max_memory=1MiB
grep -q "run.max_memory" "$TMP/err" || fail "refusal does not name run.max_memory"
refuse "run, 1MiB" "agents would fit" run "$cfg" "${SMALL[@]}" --set run.max_memory=1MiB -o "$TMP/mem.h5"
[ ! -e "$TMP/mem.h5" ] || fail "refused run left an output file"
refuse "run, scale 1 in 8 GiB" "demography.scale 0 and run.agents" \
    run "$cfg" --quiet --set demography.scale=1 --set "run.max_memory=8 GiB" -o "$TMP/mem.h5"
refuse "bad size" "run.max_memory: 'lots'" check "$cfg" --set run.max_memory=lots
# The agents said to fit do fit: rerun with that many under the same limit.
refuse "run, 33MiB" "agents would fit" run "$cfg" "${SMALL[@]}" --set run.max_memory=33MiB -o "$TMP/mem.h5"
n=$(sed -n 's/.*(run.agents \([0-9]*\)).*/\1/p' "$TMP/err")
[ -n "$n" ] && [ "$n" -gt 0 ] || fail "no run.agents in the refusal: $(cat "$TMP/err")"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" --agents "$n" --set run.max_memory=33MiB -o "$TMP/mem.h5" \
    || fail "run.agents $n, said to fit in 33MiB, was refused"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" --set "run.max_memory=1 GiB" -o "$TMP/mem2.h5" \
    || fail "a small run does not fit in 1 GiB"
# The machine's own limit (ulimit -v); not under AddressSanitizer, which
# reserves far more address space than it uses.
if [ "${OS_SANITIZED:-0}" != 1 ] && ! grep -qa __asan_init "$OSTEOSIM"; then
    rc=0
    (ulimit -v 1000000; exec "$OSTEOSIM" run "$cfg" --quiet --set demography.scale=1 -o "$TMP/mem.h5") \
        > /dev/null 2> "$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "scale 1 under ulimit -v: exit $rc: $(cat "$TMP/err")"
    grep -q "ulimit -v" "$TMP/err" && grep -q "agents would fit" "$TMP/err" \
        || fail "scale 1 under ulimit -v: $(cat "$TMP/err")"
fi
echo "table_corpus: memory refusals ok"
