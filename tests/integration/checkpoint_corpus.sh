#!/usr/bin/env bash
# Damaged inputs: a real checkpoint from a small run, then corrupted copies
# of it (bad values with and without a matching checksum, sizes, missing or
# mistyped datasets, years, format version, flipped bytes, files that are
# not checkpoints).  Every `run --resume` of one must exit 2 with exactly
# one stderr line naming the file and the fault, write no output, and
# never die by a signal or hang.  Likewise for damaged output files given
# to `info`, `export` and `run --from`.  The intact checkpoint resumes to
# output identical to the uninterrupted run.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"

# A checkpoint from the middle of a run: copied while the run (one
# checkpoint a year) is still going; more agents if the run was too quick.
ck="$TMP/run.ckpt.h5"; base="$TMP/base.ckpt.h5"
for agents in 20000 100000 400000; do
  rm -f "$TMP"/run.* "$base"
  "$OSTEOSIM" run "$cfg" --agents $agents --set run.end_year=2045 --set "output.cohort_years=[2025,2030]" \
    --set output.event_log=true --quiet --threads 1 -o "$TMP/run.h5" --checkpoint-every 1 &
  pid=$!
  for _ in $(seq 4000); do
    cp "$ck" "$base" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.005
  done
  wait $pid || fail "the run that makes the checkpoint failed"
  [ -s "$base" ] && break
done
[ -s "$base" ] || fail "no checkpoint could be copied from a running job"

"$OSTEOSIM" run --resume "$base" -o "$TMP/resumed.h5" --quiet
for g in /summary /cohort /events; do
  h5diff "$TMP/run.h5" "$TMP/resumed.h5" $g || fail "intact checkpoint: $g differs from the uninterrupted run"
done

mkdir -p "$TMP/ck" "$TMP/out"
# Writes the corpus and a manifest: name <TAB> expected text (<TAB>
# commands, for outputs: i info, e export, f run --from, p export
# --table parameters).
"$PY" - "$base" "$TMP/run.h5" "$TMP" <<'PY'
import os, shutil, sys, h5py, numpy as np
base, out, tmp = sys.argv[1:4]
ck_list, out_list = [], []

def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return np.uint64(h)

def fix(ds):
    ds.attrs["fnv1a64"] = fnv(ds[...].tobytes())

def ck(name, expect, edit=None, sums=True):
    p = f"{tmp}/ck/{name}.ckpt.h5"
    shutil.copy(base, p)
    if edit:
        with h5py.File(p, "r+") as f:
            for ds in edit(f) or []:
                if sums: fix(ds)
    ck_list.append((name, p, expect))

def setval(path, i, v):
    def e(f):
        a = f[path][...]; a[i] = v; f[path][...] = a
        return [f[path]]
    return e

def replace(path, data, **kw):
    def e(f):
        attrs = dict(f[path].attrs); del f[path]
        f.create_dataset(path, data=data, **kw)
        for k, v in attrs.items(): f[path].attrs[k] = v
        return [f[path]]
    return e

def attr(name, v):
    def e(f):
        if v is None: del f.attrs[name]
        else: f.attrs[name] = v
    return e

with h5py.File(base) as f:
    n = f.attrs["agents"]; nid = f.attrs["next_id"]
    age = f["pop/age"][...]; ids = f["pop/id"][...]; ny = f.attrs["next_year"]

ck("sex_7", "/pop/sex row 5 is 7", setval("pop/sex", 5, 7))
ck("sex_7_nosum", "/pop/sex does not match its checksum", setval("pop/sex", 5, 7), sums=False)
ck("age_nan", "/pop/age row 3 is nan", setval("pop/age", 3, np.nan))
ck("age_inf", "/pop/age row 3 is inf", setval("pop/age", 3, np.inf))
ck("age_young", "/pop/age row 0 is 10", setval("pop/age", 0, 10.0))
ck("age_old", "/pop/age row 0 is 1000", setval("pop/age", 0, 1000.0))
ck("ids_duplicate", "/pop/id row 1 is", setval("pop/id", 1, ids[0]))
ck("ids_decreasing", "/pop/id row 2 is", setval("pop/id", 2, 0))
ck("id_past_next_id", "outside the id blocks", setval("pop/id", n - 1, nid + 5))
ck("weight_zero", "/pop/weight row 4 is 0", setval("pop/weight", 4, 0))
ck("weight_huge", "/pop/weight row 4 is 4000000000", setval("pop/weight", 4, 4000000000))
ck("alive_2", "/pop/alive row 0 is 2", setval("pop/alive", 0, 2))
ck("model_col_nan", "/pop/bmd row 7 is nan", setval("pop/bmd", 7, np.nan))
ck("agents_huge", "attribute agents is 1000000000000", attr("agents", 10**12))
ck("agents_plus_one", f"has {n} rows, expected {n + 1}", attr("agents", n + 1))
ck("agents_negative", "attribute agents is -1", attr("agents", -1))
ck("agents_array", "attribute agents is not a scalar integer", attr("agents", np.array([n, n])))
ck("agents_string", "attribute agents is not a scalar integer", attr("agents", "many"))
ck("truncated_column", f"dataset /pop/age has {n - 10} rows, expected {n}", replace("pop/age", age[:-10]))
ck("missing_column", "dataset /pop/grip is missing", lambda f: f.__delitem__("pop/grip"))
ck("extra_column", "/pop holds", lambda f: [f.create_dataset("pop/zzz", data=np.zeros(n, "u1"))])
ck("column_wrong_type", "dataset /pop/sex is float64, expected uint8",
   replace("pop/sex", np.zeros(n, "f8")))
ck("column_2d", "dataset /pop/age is not a 1-D dataset", replace("pop/age", np.zeros((n, 2), "f4")))
ck("column_is_group", "dataset /pop/age is not a dataset",
   lambda f: (f.__delitem__("pop/age"), f.create_group("pop/age")) and None)
ck("column_unstored", "declares more rows than it stores",
   lambda f: (attr("agents", 10**9)(f), attr("next_id", 2**32 - 1)(f),
              replace("pop/id", None, shape=(10**9,), dtype="u4", chunks=(65536,))(f)) and None)
ck("no_pop_group", "group /pop is missing", lambda f: f.__delitem__("pop"))
ck("next_year_3000", "attribute next_year is 3000", attr("next_year", 3000))
ck("next_year_2000", "attribute next_year is 2000", attr("next_year", 2000))
ck("next_year_missing", "attribute next_year is missing", attr("next_year", None))
ck("next_id_huge", "attribute next_id is", attr("next_id", 2**40))
ck("format_version_99", "format version 99", attr("format_version", 99))
ck("format_version_1", "format version 1", lambda f: (attr("format", "osteosim-checkpoint-1")(f),
                                                       attr("format_version", None)(f)) and None)
ck("format_version_missing", "no integer format_version attribute", attr("format_version", None))
ck("format_missing", "not an osteosim checkpoint: no format attribute", attr("format", None))
ck("ranks_2", "written by 2 processes", attr("ranks", 2))
ck("checksum_missing", "dataset /pop/weight has no valid fnv1a64 checksum",
   lambda f: f["pop/weight"].attrs.__delitem__("fnv1a64"))
ck("checksum_wrong", "dataset /pop/age does not match its checksum",
   lambda f: f["pop/age"].attrs.__setitem__("fnv1a64", np.uint64(12345)))
ck("checksum_signed", "dataset /pop/age has no valid fnv1a64 checksum",
   lambda f: f["pop/age"].attrs.__setitem__("fnv1a64", np.int64(-5)))
ck("summary_sex_5", "/summary/sex row 0 is 5", setval("summary/sex", 0, 5))
ck("summary_value_nan", "/summary/values element 10 is not finite", setval("summary/values", 10, np.nan))
ck("summary_truncated", "dataset /summary/sex has", lambda f: replace("summary/sex", f["summary/sex"][:-1])(f))
ck("summary_values_short", "dataset /summary/values has",
   lambda f: replace("summary/values", f["summary/values"][:-1])(f))
ck("summary_ncols", "checkpoint summary does not match this model",
   lambda f: f["summary"].attrs.__setitem__("ncols", 3))
ck("blocks_reversed", "/blocks row 0", lambda f: setval("blocks/lo", 0, 100)(f) + setval("blocks/hi", 0, 50)(f))
ck("blocks_short", "dataset /blocks/hi has", lambda f: replace("blocks/hi", f["blocks/hi"][:-1])(f))
ck("carry_nosum", "/carry/mortality.adj does not match its checksum",
   setval("carry/mortality.adj", 0, 77), sums=False)
ck("carry_float", "dataset /carry/mortality.adj is float64, expected uint8",
   replace("carry/mortality.adj", np.zeros(4, "f8")))
def ext(path, data):
    return replace(path, data, maxshape=(None,), chunks=(1024,))
with h5py.File(base) as f:
    ev = len(f["output/events/agent"])
ck("events_fixed_size", "dataset /output/events/type is not extensible",
   lambda f: replace("output/events/type", f["output/events/type"][...])(f) and None)
ck("events_short", f"dataset /output/events/site has {ev - 1} rows, expected {ev}",
   lambda f: ext("output/events/site", f["output/events/site"][:-1])(f) and None)
ck("events_missing", "dataset /output/events/arm is missing", lambda f: f.__delitem__("output/events/arm"))
ck("events_wrong_type", "dataset /output/events/agent is float32, expected uint32",
   lambda f: ext("output/events/agent", f["output/events/agent"][...].astype("f4"))(f) and None)
ck("cohort_ragged", "dataset /output/cohort/2025/weight has",
   lambda f: replace("output/cohort/2025/weight", f["output/cohort/2025/weight"][:-5])(f) and None)
ck("output_not_group", "/output is not a group",
   lambda f: (f.__delitem__("output"), f.create_dataset("output", data=[1])) and None)
ck("config_array", "attribute config or output is missing or not a string", attr("config", np.array(["a", "b"], dtype=h5py.string_dtype())))
ck("config_garbage", "config_garbage.ckpt.h5", attr("config", "run: [unclosed\n"))

def flip_at(p, off):
    with open(p, "r+b") as fh:
        fh.seek(off); b = fh.read(1)
        fh.seek(off); fh.write(bytes([b[0] ^ 0x10]))

def ck_flip(name, path, expect, delta):
    # One byte of the dataset's stored bytes, in the file itself; in a
    # compressed chunk, the first byte from DELTA on whose flip changes
    # the data (some bits of a deflate stream change nothing).
    p = f"{tmp}/ck/{name}.ckpt.h5"
    shutil.copy(base, p)
    with h5py.File(p) as f:
        ds = f[path]; want = ds[...]
        off = ds.id.get_offset() if ds.chunks is None else ds.id.get_chunk_info(0).byte_offset
    for k in range(delta, delta + 64):
        flip_at(p, off + k)
        try:
            with h5py.File(p) as f: same = np.array_equal(f[path][...], want)
        except Exception:
            same = False
        if not same: break
        flip_at(p, off + k)
    else:
        raise SystemExit(f"{name}: no byte flip changes {path}")
    ck_list.append((name, p, expect))

ck_flip("flipped_byte_summary", "summary/values", "dataset /summary/values does not match its checksum", 100)
ck_flip("flipped_byte_pop", "pop/age", "/pop/age", 40)
ck_flip("flipped_byte_blocks", "blocks/lo", "/blocks/lo does not match its checksum", 1)

# Files that are not checkpoints.
p = f"{tmp}/ck/plain.ckpt.h5"
with h5py.File(p, "w") as f: f["x"] = np.arange(3)
ck_list.append(("plain", p, "not an osteosim checkpoint: no format attribute"))
p = f"{tmp}/ck/fake_format.ckpt.h5"
with h5py.File(p, "w") as f:
    f.attrs["format"] = "osteosim-checkpoint"; f.attrs["format_version"] = 2
    f.attrs["config"] = "run: {agents: 10}\n"; f.attrs["output"] = ""
ck_list.append(("fake_format", p, "fake_format.ckpt.h5"))
p = f"{tmp}/ck/text.ckpt.h5"
open(p, "w").write("not a checkpoint\n")
ck_list.append(("text", p, "not an osteosim checkpoint: not an HDF5 file"))
p = f"{tmp}/ck/empty.ckpt.h5"
open(p, "w").close()
ck_list.append(("empty", p, "not an osteosim checkpoint: not an HDF5 file"))
p = f"{tmp}/ck/half.ckpt.h5"
data = open(base, "rb").read()
open(p, "wb").write(data[: len(data) // 2])
ck_list.append(("half_file", p, "half.ckpt.h5"))
ck_list.append(("missing", f"{tmp}/ck/none.ckpt.h5", "cannot read the file"))
ck_list.append(("an_output", out, "not an osteosim checkpoint"))

# Output files for info / export / run --from.
def oc(name, expect, edit, cmds="ief"):
    p = f"{tmp}/out/{name}.h5"
    shutil.copy(out, p)
    with h5py.File(p, "r+") as f: edit(f)
    out_list.append((name, p, expect, cmds))

def orepl(path, data):
    def e(f):
        attrs = dict(f[path].attrs); del f[path]; f[path] = data
        for k, v in attrs.items(): f[path].attrs[k] = v
    return e

def oset(path, i, v):
    def e(f):
        a = f[path][...]; a[i] = v; f[path][...] = a
    return e

with h5py.File(out) as f:
    rows = len(f["summary/year"]); pop = f["summary/population"][...]
oc("summary_truncated", f"dataset /summary/population has {rows - 3} rows, expected {rows}",
   orepl("summary/population", pop[:-3]))
oc("summary_missing_column", "dataset /summary/agents is missing", lambda f: f.__delitem__("summary/agents"))
oc("summary_year_float", "dataset /summary/year is float64, expected integers",
   lambda f: orepl("summary/year", f["summary/year"][...].astype("f8"))(f))
oc("summary_sex_7", "/summary/sex row 2 is 7", oset("summary/sex", 2, 7))
oc("summary_arm_negative", "/summary/arm row 0 is -1", oset("summary/arm", 0, -1))
oc("summary_year_1900", "/summary/year row 0 is 1900", oset("summary/year", 0, 1900))
oc("summary_2d", "dataset /summary/population is not a 1-D dataset", orepl("summary/population", np.zeros((rows, 2))))
oc("summary_extra_short", "dataset /summary/zz has 2 rows", lambda f: f.create_dataset("summary/zz", data=[1.0, 2.0]))
oc("summary_unstored", "declares more rows than it stores",
   lambda f: (f.__delitem__("summary/population"),
              f.create_dataset("summary/population", shape=(10**10,), dtype="f8", chunks=(1 << 16,))))
oc("summary_is_dataset", "no /summary group", lambda f: (f.__delitem__("summary"), f.create_dataset("summary", data=[1])))
oc("economics_rows", "dataset /economics/cost has 3 rows, expected 1", orepl("economics/cost", np.zeros(3)))
oc("quantiles_rows", "dataset /summary_quantiles/x has 2 rows",
   lambda f: f.create_dataset("summary_quantiles/x", data=[1.0, 2.0]))
oc("version_int", "no string attribute osteosim_version", lambda f: f.attrs.__setitem__("osteosim_version", 5))
oc("version_array", "no string attribute osteosim_version",
   lambda f: f.attrs.__setitem__("osteosim_version", np.array(["a", "b"], dtype=h5py.string_dtype())))
oc("no_config", "no string attribute config", lambda f: f.attrs.__delitem__("config"))
oc("config_array", "no string attribute config",
   lambda f: f.attrs.__setitem__("config", np.array(["a", "b"], dtype=h5py.string_dtype())))
oc("years_swapped", "start_year 2045 is after end_year 2025",
   lambda f: (f.attrs.__setitem__("start_year", 2045), f.attrs.__setitem__("end_year", 2025)))
oc("no_years", "no integer attributes start_year and end_year", lambda f: f.attrs.__delitem__("end_year"))
oc("parameters_ragged", "rows, but", lambda f: orepl("parameters/used/unit", np.array(["x"], dtype=h5py.string_dtype()))(f), cmds="p")
p = f"{tmp}/out/fake_version.h5"
with h5py.File(p, "w") as f:
    f.attrs["osteosim_version"] = "0.1.0"; f["summary/year"] = np.arange(3)
out_list.append(("fake_version", p, "not an osteosim output: no string attribute config", "ief"))
p = f"{tmp}/out/fake_layout.h5"
with h5py.File(p, "w") as f:
    f.attrs.update(osteosim_version="0.1.0", config="run: {}\n", start_year=2025, end_year=2030)
    f["summary/year"] = np.arange(3)
out_list.append(("fake_layout", p, "dataset /summary/arm is missing", "ief"))
p = f"{tmp}/out/text.h5"
open(p, "w").write("year,arm\n2025,0\n")
out_list.append(("text", p, "not an osteosim output: not an HDF5 file", "ief"))
p = f"{tmp}/out/empty.h5"
open(p, "w").close()
out_list.append(("empty", p, "not an osteosim output: not an HDF5 file", "ief"))
out_list.append(("a_checkpoint", base, "no string attribute osteosim_version", "if"))

with open(f"{tmp}/ck.list", "w") as fh:
    for name, p, e in ck_list: fh.write(f"{name}\t{p}\t{e}\n")
with open(f"{tmp}/out.list", "w") as fh:
    for name, p, e, c in out_list: fh.write(f"{name}\t{p}\t{e}\t{c}\n")
PY

tried=0; clean=0; crash=0; hang=0; bad=""
# check NAME FILE EXPECT COMMAND...: exit 2, one stderr line naming FILE
# and EXPECT, nothing written at OUT.
check() {
  local name=$1 file=$2 want=$3; shift 3
  tried=$((tried + 1))
  rm -f "$TMP/o.h5" "$TMP"/o.h5.tmp.* "$TMP/o.csv"
  set +e; timeout 120 "$@" >/dev/null 2>"$TMP/err"; local rc=$?; set -e
  if [ $rc -eq 124 ]; then hang=$((hang + 1)); bad+="$name: hang; "; return; fi
  if [ $rc -gt 128 ]; then crash=$((crash + 1)); bad+="$name: signal $((rc - 128)); "; return; fi
  local lines; lines=$(wc -l <"$TMP/err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -qF -- "$file" "$TMP/err" && grep -qF -- "$want" "$TMP/err" \
     && [ ! -e "$TMP/o.h5" ] && ! ls "$TMP"/o.h5.tmp.* >/dev/null 2>&1 && [ ! -e "$TMP/o.csv" ]; then
    clean=$((clean + 1))
  else
    bad+="$name: exit $rc, $lines lines: $(head -c 300 "$TMP/err" | tr '\n' '|') (expected '$want'); "
  fi
}

while IFS=$'\t' read -r name file want; do
  check "resume $name" "$file" "$want" "$OSTEOSIM" run --resume "$file" -o "$TMP/o.h5" --quiet --threads 1
done <"$TMP/ck.list"
nck=$tried

while IFS=$'\t' read -r name file want cmds; do
  case $cmds in *i*) check "info $name" "$file" "$want" "$OSTEOSIM" info "$file" ;; esac
  case $cmds in *e*) check "export $name" "$file" "$want" "$OSTEOSIM" export "$file" --csv "$TMP/o.csv" ;; esac
  case $cmds in *f*) check "from $name" "$file" "$want" "$OSTEOSIM" run --from "$file" -o "$TMP/o.h5" --quiet ;; esac
  case $cmds in *p*) check "export parameters $name" "$file" "$want" \
                       "$OSTEOSIM" export "$file" --table parameters --csv "$TMP/o.csv" ;; esac
done <"$TMP/out.list"

# The intact output still reads.
"$OSTEOSIM" info "$TMP/run.h5" >/dev/null || fail "info of an intact output"
"$OSTEOSIM" export "$TMP/run.h5" --table economics >/dev/null || fail "export of an intact output"

echo "checkpoint_corpus: $tried tried ($nck checkpoints, $((tried - nck)) info/export/--from), $clean clean errors, $crash crashes, $hang hangs"
[ -z "$bad" ] || fail "$bad"
[ "$nck" -ge 40 ] || fail "only $nck checkpoint cases"
