/* engine_params.c - the settings the engine itself reads.  Model modules
 * declare theirs in their own os_module.params tables. */
#include "engine.h"

#define UNBOUNDED 1.0, 0.0

const os_param_spec os_engine_params[] = {
    {"scenario.name", OS_P_STRING, NULL, UNBOUNDED, 1, NULL, NULL,
     "short name of the scenario, used for default output names"},
    {"scenario.description", OS_P_STRING, NULL, UNBOUNDED, 0, "", NULL,
     "one-line description"},
    {"run.start_year", OS_P_INT, "year", 1950, 2200, 1, NULL, NULL,
     "first simulated year; the population is at 1 July of this year"},
    {"run.end_year", OS_P_INT, "year", 1950, 2200, 1, NULL, NULL,
     "last simulated year (inclusive)"},
    {"run.mode", OS_P_STRING, NULL, UNBOUNDED, 0, "projection", "projection|cohort",
     "projection: the population of the start year plus each year's entrants; cohort: the start-year "
     "population (demography.base_ages) followed to death with no entrants (closed cohort)"},
    {"run.agents", OS_P_INT, "agents", 0, 4.0e9, 1, NULL, NULL,
     "agents representing the start-year population (ignored when demography.scale is 1)"},
    {"run.seed", OS_P_INT, "1", 0, 18446744073709551615.0, 0, "1", NULL,
     "base random seed"},
    {"run.burn_in_years", OS_P_INT, "year", 0, 20, 0, "1", NULL,
     "years the start-year population lives through before the start year, all discarded but "
     "the year-to-year memory (last year's bed rest, hazard ratios), so that the first year "
     "starts in steady state; 0: that memory starts at zero"},
    {"run.replicates", OS_P_INT, "1", 1, 10000, 0, "1", NULL,
     "independent Monte Carlo replicates (seeds derived from run.seed); R > 1 adds /summary_quantiles"},
    {"run.threads", OS_P_INT, "threads", 0, 4096, 0, "0", NULL,
     "OpenMP threads; 0 uses OMP_NUM_THREADS or all cores"},
    {"run.progress_every_percent", OS_P_REAL, "%", 0, 100, 0, "5", NULL,
     "without a terminal, a progress line on stderr each time the job passes a multiple of this "
     "share (0: none by share); never changes results"},
    {"run.progress_every_minutes", OS_P_REAL, "min", 0, 10080, 0, "10", NULL,
     "without a terminal, a progress line on stderr at least this often (0: none by time)"},
    {"run.chunk_size", OS_P_INT, "agents", 64, 16777216, 0, "8192", NULL,
     "agents per parallel work item (does not change results)"},
    {"run.shared_start", OS_P_STRING, NULL, UNBOUNDED, 0, "auto", "auto|on|off|verify",
     "the start population and its burn-in are the same in every arm (programmes start after "
     "them): on builds them once per run, replicate and PSA draw and copies them to each arm, "
     "holding one more start-year population in memory; off builds them again for every arm; "
     "auto is on when the memory estimate with the copy fits the limit (run.max_memory), else "
     "off; verify builds them for every arm and fails if any differs from the copy.  Never "
     "changes results"},
    {"run.max_memory", OS_P_STRING, NULL, UNBOUNDED, 0, "auto", NULL,
     "most memory one process may use, in bytes or with a unit (\"8 GiB\", \"512MB\"; K, M, G, T "
     "are binary); a run whose estimate (osteosim check) is larger refuses to start.  auto: the "
     "memory available at the start (MemAvailable, cgroup and ulimit -v limits, shared by the MPI "
     "ranks of a node)"},
    {"output.path", OS_P_STRING, NULL, UNBOUNDED, 0, "", NULL,
     "output HDF5 file; empty means results/<scenario.name>.h5"},
    {"output.cohort_years", OS_P_INT_LIST, "year", 1950, 2200, 0, NULL, NULL,
     "years with per-agent snapshots in /cohort/<year>/; default every 5 years from the start"},
    {"output.event_log", OS_P_BOOL, NULL, UNBOUNDED, 0, "false", NULL,
     "write the per-event log /events/"},
    {"output.compression", OS_P_INT, "1", 0, 9, 0, "1", NULL,
     "compression of /cohort and /events datasets: the deflate level (output.codec deflate); 0: "
     "uncompressed, whatever the codec"},
    {"output.codec", OS_P_STRING, NULL, UNBOUNDED, 0, "deflate", "deflate|lz4",
     "compression of /cohort and /events: deflate (readable everywhere) or lz4 (about ten times as "
     "fast, files about a sixth larger; readers need the HDF5 LZ4 filter plugin, "
     "docs/hdf5-schema.md)"},
    {"output.async", OS_P_BOOL, NULL, UNBOUNDED, 0, "false", NULL,
     "write cohort snapshots in a background thread while the run goes on (one process only; the "
     "file's data are the same): a copy of the snapshot columns, about 60 bytes per agent, lives "
     "until it is written"},
};
const size_t os_engine_nparams = sizeof os_engine_params / sizeof os_engine_params[0];

/* Arms (sim/res_cea.c compares them).  The arms themselves are user-named keys
 * declared at validation (arms.<name>: [programme, ...]); the reference arm
 * decides which arm runs first (os_engine_arms).  The willingness-to-pay
 * thresholds belong to the module that sets them (os_model_set_wtp). */
const os_param_spec os_arms_params[] = {
    {"economics.reference_arm", OS_P_STRING, NULL, UNBOUNDED, 0, NULL, NULL,
     "arm the others are compared with (default: the first arm)"},
};
const size_t os_arms_nparams = sizeof os_arms_params / sizeof os_arms_params[0];
