#!/usr/bin/env bash
# Cohort snapshots written in the background (output.async) or with LZ4
# (output.codec) hold the same data as the default synchronous deflate
# write: /summary, /cohort and /events equal (h5diff) for 1 and 2 threads
# and after a checkpoint and resume; with output.async even the compressed
# chunks are byte-identical.  An LZ4 file reads back, with the HDF5 LZ4
# filter plugin, in h5py, R (hdf5r) and h5dump, and not without it.  A full
# disk while the background writer writes fails the run cleanly.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
# More agents than one 65536-row chunk, so the chunked path runs too.
args=(--agents 140000 --set run.end_year=2027 --set "output.cohort_years=[2025,2027]"
      --set output.event_log=true --quiet)
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 -o "$TMP/sync.h5"

same_data() {
  for g in /summary /cohort /events; do
    h5diff "$1" "$2" "$g" "$g" || fail "$3: $g differs from the synchronous write"
  done
}
# Every chunk's stored bytes and filter mask, dataset by dataset.
same_chunks() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import sys
import h5py
a, b, what = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), sys.argv[3]
n = 0
for year in a["cohort"]:
    for name in a["cohort"][year]:
        da, db = a["cohort"][year][name], b["cohort"][year][name]
        assert da.chunks == db.chunks and da.chunks, (what, year, name)
        for k in range(0, da.shape[0], da.chunks[0]):
            ma, ca = da.id.read_direct_chunk((k,))
            mb, cb = db.id.read_direct_chunk((k,))
            assert ma == mb and ca == cb, f"{what}: /cohort/{year}/{name} chunk at {k} differs"
            n += 1
assert n > 2 * 20, f"{what}: only {n} chunks compared"
EOF
}

for t in 1 2; do
  "$OSTEOSIM" run "$cfg" "${args[@]}" --threads $t --set output.async=true -o "$TMP/async$t.h5"
  same_data "$TMP/sync.h5" "$TMP/async$t.h5" "output.async, $t threads"
  same_chunks "$TMP/sync.h5" "$TMP/async$t.h5" "output.async, $t threads" || fail "chunks differ"
done

# Checkpoints wait for the writer: a checkpointed and resumed async run
# gives the uninterrupted run's data.
ck="$TMP/ck.ckpt.h5"
rm -f "$ck" "$TMP/ck.h5"
set +e
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set output.async=true -o "$TMP/ck.h5" \
  --checkpoint-every 1 &
pid=$!
for _ in $(seq 600); do [ -f "$ck" ] && break; sleep 0.05; done
kill -9 $pid; wait $pid
set -e
if [ -f "$ck" ]; then
  rm -f "$TMP/ck.h5" "$TMP"/ck.h5.tmp.*
  "$OSTEOSIM" run --resume "$ck" --quiet --threads 1
  same_data "$TMP/sync.h5" "$TMP/ck.h5" "output.async, killed and resumed"
else
  fail "no checkpoint appeared before the kill"
fi

# LZ4: same data; the filter in the file is the plugin's (id 32004).
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set output.codec=lz4 -o "$TMP/lz4.h5"
plugins=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins
if [ ! -f "$plugins/libh5lz4.so" ]; then
  echo "output_async: LZ4 readers skipped (no hdf5-filter-plugin: scripts/setup.sh)"
  echo "output_async: ok"
  exit 0
fi
export HDF5_PLUGIN_PATH=$plugins
same_data "$TMP/sync.h5" "$TMP/lz4.h5" "output.codec lz4 (h5diff)"
# (grep -q on a captured text, not a pipe: with pipefail, grep -q leaving
# early can kill the writer with SIGPIPE and fail the pipeline.)
grep -q "FILTER_ID 32004" <<< "$(h5dump -p -H -d /cohort/2025/age "$TMP/lz4.h5")" ||
  fail "no LZ4 filter (32004) on /cohort/2025/age"
h5dump -d /cohort/2027/age -s 70000 -c 3 "$TMP/lz4.h5" > "$TMP/lz4.txt"
h5dump -d /cohort/2027/age -s 70000 -c 3 "$TMP/sync.h5" > "$TMP/deflate.txt"
diff <(sed 1d "$TMP/lz4.txt") <(sed 1d "$TMP/deflate.txt") || fail "h5dump reads other values"
grep -q "([0-9]*): [0-9]" "$TMP/lz4.txt" || fail "h5dump read no values: $(cat "$TMP/lz4.txt")"
read_all='
import sys
import h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = 0
for g in ("cohort", "events"):
    def check(name, obj):
        global n
        if isinstance(obj, h5py.Dataset):
            x, y = obj[()], b[g][name][()]
            assert x.dtype == y.dtype and np.array_equal(x, y), f"/{g}/{name} differs"
            n += 1
    a[g].visititems(check)
assert n > 40, n
print(n)
'
"$PY" -c "$read_all" "$TMP/lz4.h5" "$TMP/sync.h5" > /dev/null || fail "h5py reads other values"
if HDF5_PLUGIN_PATH=/nonexistent "$PY" -c "$read_all" "$TMP/lz4.h5" "$TMP/sync.h5" 2> /dev/null; then
  fail "h5py read the LZ4 file without the plugin: the test proves nothing"
fi
if command -v Rscript > /dev/null && Rscript -e 'library(hdf5r)' > /dev/null 2>&1; then
  Rscript -e '
    library(hdf5r)
    a <- H5File$new(commandArgs(TRUE)[1], mode = "r")
    b <- H5File$new(commandArgs(TRUE)[2], mode = "r")
    for (y in c("2025", "2027")) for (n in names(a[[paste0("cohort/", y)]])) {
      p <- paste0("cohort/", y, "/", n)
      if (!identical(a[[p]][], b[[p]][])) stop(p, " differs")
    }' "$TMP/lz4.h5" "$TMP/sync.h5" || fail "R (hdf5r) reads other values"
fi

# MPI: parallel HDF5 applies the LZ4 filter on every rank; output.async
# falls back to synchronous collective writes there.
if [ "${OS_MPI:-OFF}" = "ON" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_MCA_rmaps_base_oversubscribe=1
  export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
  env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${MPIEXEC:-mpirun}" -np 2 \
    "$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 --set output.codec=lz4 \
    --set output.async=true -o "$TMP/mpi2.h5"
  same_data "$TMP/sync.h5" "$TMP/mpi2.h5" "2 MPI ranks, lz4, output.async"
fi

# A full disk while the background writer writes: exit 1, one line naming
# the output and the OS's reason, no file left (the shim of disk_full.sh).
shim=${OS_ENOSPC_SHIM:-}
if [ -f "$shim" ] && ! grep -q libasan <<< "$(ldd "$OSTEOSIM")"; then
  size=$(stat -c %s "$TMP/sync.h5")
  for n in $((size / 10)) $((size / 2)) $((size * 9 / 10)); do
    out="$TMP/full.h5"
    rm -f "$out" "$out".tmp.*
    set +e
    OS_ENOSPC_DIR="$TMP" OS_ENOSPC_AFTER=$n LD_PRELOAD="$shim" timeout 300 \
      "$OSTEOSIM" run "$cfg" "${args[@]}" --set output.async=true -o "$out" 2> "$TMP/err"
    rc=$?
    set -e
    [ $rc -eq 1 ] || fail "full disk after $n bytes (async): exit $rc: $(head -3 "$TMP/err")"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "full disk after $n bytes: $(cat "$TMP/err")"
    grep -qF "$out: " "$TMP/err" && grep -q "No space left on device" "$TMP/err" ||
      fail "full disk after $n bytes: message: $(cat "$TMP/err")"
    [ ! -e "$out" ] && ! grep -q 'full\.h5\.tmp\.' <<< "$(ls "$TMP")" ||
      fail "full disk after $n bytes: a file was left"
  done
fi
echo "output_async: ok"
