# bench_sicksicker.R - the textbook vectorised R microsimulation, timed, as
# the reference point of scripts/bench.sh.
#
# The Sick-Sicker model of Krijkamp et al. 2018 (Med Decis Making 38:400,
# "Microsimulation modeling for health decision sciences using R: a
# tutorial"): four states (healthy, sick, sicker, dead), one categorical
# draw per person and cycle, costs and QALYs per cycle with 3 % discounting,
# no-treatment and treatment strategies.  Written here as R users write it
# vectorised over individuals (a probability matrix per cycle and one
# uniform per person compared with its cumulative sums), with the state
# trace kept (as the tutorial's TR output) or not.
#
# usage: Rscript scripts/bench_sicksicker.R [INDIVIDUALS (default 100000)] [CYCLES (default 30)]
args <- commandArgs(trailingOnly = TRUE)
n_i <- if (length(args) >= 1) as.integer(args[1]) else 100000L
n_t <- if (length(args) >= 2) as.integer(args[2]) else 30L

# The tutorial's inputs (per cycle).
p_HD <- 0.005; p_HS1 <- 0.15; p_S1H <- 0.5; p_S1S2 <- 0.105
rr_S1 <- 3; rr_S2 <- 10
r_HD <- -log(1 - p_HD)
p_S1D <- 1 - exp(-rr_S1 * r_HD); p_S2D <- 1 - exp(-rr_S2 * r_HD)
c_H <- 2000; c_S1 <- 4000; c_S2 <- 15000; c_trt <- 12000
u_H <- 1; u_S1 <- 0.75; u_S2 <- 0.5; u_trt <- 0.95
disc <- 0.03

# Rows: from-state H, S1, S2, D; columns: to-state.
P <- rbind(c(1 - p_HS1 - p_HD, p_HS1, 0, p_HD),
           c(p_S1H, 1 - p_S1H - p_S1S2 - p_S1D, p_S1S2, p_S1D),
           c(0, 0, 1 - p_S2D, p_S2D),
           c(0, 0, 0, 1))
Pcum <- t(apply(P, 1, cumsum))

simulate <- function(trt, trace) {
  set.seed(1)
  m <- rep(1L, n_i)
  cost <- c(c_H, c_S1 + c_trt * trt, c_S2 + c_trt * trt, 0)
  util <- c(u_H, if (trt) u_trt else u_S1, u_S2, 0)
  tc <- cost[m]; te <- util[m]
  tr <- if (trace) matrix(0, n_t + 1, 4) else NULL
  if (trace) tr[1, ] <- tabulate(m, 4)
  for (t in 1:n_t) {
    u <- runif(n_i)
    cp <- Pcum[m, , drop = FALSE]            # each person's cumulative row
    m <- 1L + (u > cp[, 1]) + (u > cp[, 2]) + (u > cp[, 3])
    w <- 1 / (1 + disc)^t
    tc <- tc + cost[m] * w
    te <- te + util[m] * w
    if (trace) tr[t + 1, ] <- tabulate(m, 4)
  }
  c(mean(tc), mean(te))
}

for (trace in c(TRUE, FALSE)) {
  t0 <- proc.time()[["elapsed"]]
  a <- simulate(FALSE, trace); b <- simulate(TRUE, trace)
  dt <- proc.time()[["elapsed"]] - t0
  pc <- 2 * n_i * n_t
  cat(sprintf("sicksicker trace=%s: %d person-cycles in %.3f s: %.4g person-cycles/s (ICER %.0f)\n",
              if (trace) "on" else "off", pc, dt, pc / dt, (b[1] - a[1]) / (b[2] - a[2])))
}
