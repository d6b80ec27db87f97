# osteosim.R - load any table of an osteosim output file into a data.frame.
#
#   source("scripts/osteosim.R")
#   economics <- read_osteosim("OUT.h5", "economics")
#
# A table is a group of 1-D datasets of equal length (docs/hdf5-schema.md).
# read_osteosim(path, group) returns the datasets of GROUP as columns:
# strings as character, integer codes with a `labels` attribute ("0=a,1=b")
# as factors with the levels in code order.  Code columns without labels
# (`arm` in /psa, `sex` in /cohort/<year>) take the labels of the /summary
# column of the same name, as `osteosim export` does.  attr(df, "units") is a
# named character vector (column -> units).  A group whose tables are its
# subgroups (parameters, demography, cohort) gives them stacked, with a first
# column `table` naming the subgroup (columns a subgroup lacks are NA; units
# keyed "subgroup/column", as the same name may differ: demography value).
# GROUP "totals" is /summary_totals/quantiles (national totals over
# replicates).
#
# Needs hdf5r (Debian 12: apt-get install r-base-core r-cran-hdf5r).  From a
# shell:  Rscript scripts/osteosim.R OUT.h5 economics

osteosim_lead <- c("year", "arm", "arm_name", "sex", "age_lo", "age_hi", "age_band", "draw",
                   "replicate", "wtp", "id", "agent", "key")

# c(code = name) of a "0=a,1=b" attribute; a name may hold commas.
osteosim_parse_labels <- function(text) {
  items <- strsplit(text, ",(?=-?[0-9]+=)", perl = TRUE)[[1]]
  eq <- regexpr("=", items, fixed = TRUE)
  stats::setNames(substring(items, eq + 1), substring(items, 1, eq - 1))
}

osteosim_attr <- function(obj, name) {
  if (!(name %in% hdf5r::h5attr_names(obj))) return(NULL)
  hdf5r::h5attr(obj, name)
}

osteosim_table <- function(f, g) {
  info <- g$ls()
  names <- info$name[info$obj_type == "H5I_DATASET"]
  summary <- if (f$exists("summary")) f[["summary"]] else NULL
  cols <- list()
  units <- character(0)
  for (n in names) {
    ds <- g[[n]]
    # hdf5r cannot read an empty variable-length string dataset (H5Dvlen_reclaim).
    v <- if (prod(ds$dims) == 0) {
      if (inherits(ds$get_type(), "H5T_STRING")) character(0) else numeric(0)
    } else ds$read()
    if (bit64::is.integer64(v)) v <- as.numeric(v)
    fallback <- if (!is.null(summary) && summary$exists(n) && g$get_obj_name() != "/summary")
      summary[[n]] else NULL
    labels <- osteosim_attr(ds, "labels")
    if (is.null(labels) && !is.null(fallback) && is.numeric(v) && all(v == round(v)))
      labels <- osteosim_attr(fallback, "labels")
    if (!is.null(labels) && is.numeric(v)) {
      lab <- osteosim_parse_labels(labels)
      v <- factor(unname(lab[as.character(v)]), levels = unname(lab))
    }
    u <- osteosim_attr(ds, "units")
    if ((is.null(u) || u == "") && !is.null(fallback)) u <- osteosim_attr(fallback, "units")
    units[n] <- if (is.null(u)) "" else u
    cols[[n]] <- v
    ds$close()
  }
  lens <- unique(vapply(cols, length, 1L))
  if (length(lens) > 1) stop(g$get_obj_name(), ": columns of different lengths")
  order <- c(intersect(osteosim_lead, names), setdiff(names, osteosim_lead))
  df <- as.data.frame(cols[order], stringsAsFactors = FALSE, optional = TRUE)
  attr(df, "units") <- units[order]
  df
}

read_osteosim <- function(path, group = "summary") {
  if (group == "totals") group <- "summary_totals/quantiles"
  group <- gsub("^/+|/+$", "", group)
  f <- hdf5r::H5File$new(path, mode = "r")
  on.exit(f$close_all())
  if (!f$exists(group)) stop("no /", group, " in ", path)
  g <- f[[group]]
  if (!inherits(g, "H5Group")) stop("/", group, " in ", path, " is not a group")
  info <- g$ls()
  if (any(info$obj_type == "H5I_DATASET")) return(osteosim_table(f, g))
  parts <- list()
  units <- character(0)
  for (n in info$name[info$obj_type == "H5I_GROUP"]) {
    t <- osteosim_table(f, g[[n]])
    units[paste0(n, "/", names(attr(t, "units")))] <- attr(t, "units")
    parts[[n]] <- cbind(data.frame(table = rep(n, nrow(t)), stringsAsFactors = FALSE), t)
  }
  if (!length(parts)) stop("no tables under /", group, " in ", path)
  all <- unique(unlist(lapply(parts, names)))
  parts <- lapply(parts, function(p) {
    for (m in setdiff(all, names(p))) p[[m]] <- rep(NA, nrow(p))
    p[all]
  })
  df <- do.call(rbind, unname(parts))
  rownames(df) <- NULL
  attr(df, "units") <- units
  df
}

if (sys.nframe() == 0L && !interactive()) {
  args <- commandArgs(trailingOnly = TRUE)
  if (!(length(args) %in% 1:2)) stop("usage: Rscript scripts/osteosim.R OUT.h5 [GROUP]")
  print(read_osteosim(args[1], if (length(args) == 2) args[2] else "summary"))
}
