# Reference values for query/interval.go and query/power.go, computed independently in R
# (base R only: t.test, qt, pt, qnorm, prop.test, binom.test, p.adjust).
# Run: Rscript query/testdata/stats/reference.R > query/testdata/stats/reference.tsv
# query/stats_ref_test.go reads the output and checks every value to 1e-9.
options(digits = 17)
out <- function(name, value) cat(sprintf("%s\t%.17g\n", name, value))

# Clustered standard error (Miller 2024, eq. 4), from the raw 0/1 trials of each stimulus.
clustered <- function(trials) {
  x <- unlist(trials); n <- length(x); p <- mean(x)
  s <- sum(sapply(trials, function(t) sum(t - p)^2))
  c(p, sqrt(s) / n)
}
cases <- list(
  multi = list(c(1,1,1), c(0,0,0), c(1,1,0), c(1,0,0), c(1,1)),
  single = list(1, 0, 1, 1, 0, 1, 1, 1),
  unequal = list(c(1,0,1,0), c(1), c(0,0), c(1,1,1,0,1))
)
for (nm in names(cases)) {
  r <- clustered(cases[[nm]])
  out(paste0("clustered.", nm, ".p"), r[1]); out(paste0("clustered.", nm, ".se"), r[2])
  z <- qnorm(0.975)
  out(paste0("clustered.", nm, ".low"), max(0, r[1] - z * r[2]))
  out(paste0("clustered.", nm, ".high"), min(1, r[1] + z * r[2]))
}
# With one trial per stimulus the clustered SE is the CLT one.
x <- unlist(cases$single); out("clt.single.se", sqrt(mean(x) * (1 - mean(x)) / length(x)))

# Wilson score interval (prop.test without continuity correction is Wilson's).
for (w in list(c(30, 30), c(0, 12), c(7, 10), c(1, 1))) {
  ci <- prop.test(w[1], w[2], correct = FALSE)$conf.int
  out(sprintf("wilson.%d.%d.low", w[1], w[2]), ci[1]); out(sprintf("wilson.%d.%d.high", w[1], w[2]), ci[2])
}

# Paired, stimulus-level difference: t.test(paired = TRUE).
a <- c(1, 2/3, 1, 0, 1/3, 1, 1, 0, 2/3, 1, 1, 1/3)
b <- c(1, 1, 1, 1/3, 1/3, 1, 2/3, 1/3, 1, 1, 1, 1)
tt <- t.test(a, b, paired = TRUE, conf.level = 0.95)
out("paired.estimate", tt$estimate); out("paired.low", tt$conf.int[1]); out("paired.high", tt$conf.int[2])
out("paired.p", tt$p.value); out("paired.se", tt$stderr)
tt90 <- t.test(a, b, paired = TRUE, conf.level = 0.90)
out("paired90.low", tt90$conf.int[1]); out("paired90.high", tt90$conf.int[2])
out("mde.paired", (qnorm(0.975) + qnorm(0.8)) * tt$stderr)
out("mde.alpha01.se0.02", (qnorm(0.995) + qnorm(0.8)) * 0.02)
# Student's t quantiles and tails.
for (df in c(1, 4, 11, 119)) {
  out(sprintf("qt.975.%d", df), qt(0.975, df)); out(sprintf("pt2.2.1.%d", df), 2 * pt(-2.1, df))
}

# Holm's step-down adjustment.
ph <- c(0.01, 0.04, 0.03, 0.005, 0.2)
adj <- p.adjust(ph, method = "holm")
for (i in seq_along(adj)) out(sprintf("holm.%d", i), adj[i])

# Exact McNemar = two-sided binomial test on the discordant pairs.
out("mcnemar.12.2", binom.test(2, 14)$p.value)
out("mcnemar.4.1", binom.test(1, 5)$p.value)

# Stimuli needed: n = ceil((z_{1-a/2} + z_pow)^2 (p1 q1 + p2 q2) (rho + (1-rho)/k) / d^2).
need <- function(p, d, alpha, pow, k, rho) {
  p2 <- if (p - d < 0) p + d else p - d
  z <- qnorm(1 - alpha / 2) + qnorm(pow)
  ceiling(z^2 * (p * (1 - p) + p2 * (1 - p2)) * (rho + (1 - rho) / k) / d^2)
}
for (d in c(1, 2, 5, 10)) {
  out(sprintf("power.p0.7.d%d.k1.rho1", d), need(0.7, d / 100, 0.05, 0.8, 1, 1))
  out(sprintf("power.p0.7.d%d.k3.rho0.4", d), need(0.7, d / 100, 0.05, 0.8, 3, 0.4))
  out(sprintf("power.p0.05.d%d.k5.rho0", d), need(0.05, d / 100, 0.01, 0.9, 5, 0))
}
# Within-stimulus correlation by one-way ANOVA over cells of 0/1 trials.
cells <- list(c(1,1,1), c(0,0,0), c(1,1,0), c(1,0,0), c(1,1), c(0))
x <- unlist(cells); p <- mean(x)
big <- Filter(function(t) length(t) >= 2, cells)
within <- sum(sapply(big, function(t) sum((t - mean(t))^2))) / sum(sapply(big, length) - 1)
out("icc.rho", max(0, min(1, 1 - within / (p * (1 - p))))); out("icc.p", p)

# A paired difference with no spread (every stimulus 2/2 -> 1/2, or 1/1 -> 0/1): the trials
# are the sample. Newcombe's hybrid score interval (1998, method 10) from the two Wilson
# intervals, and the two-sided p-value that inverts it (uniroot on z).
wil <- function(x, n, conf) prop.test(x, n, correct = FALSE, conf.level = conf)$conf.int
newcombe <- function(xa, na, xb, nb, conf) {
  pa <- xa / na; pb <- xb / nb; a <- wil(xa, na, conf); b <- wil(xb, nb, conf)
  c(pa - pb - sqrt((pa - a[1])^2 + (b[2] - pb)^2), pa - pb + sqrt((a[2] - pa)^2 + (pb - b[1])^2))
}
# For the inversion, Wilson's formula at z (prop.test takes no level as close to 1).
wilz <- function(x, n, z) {
  p <- x / n; mid <- (p + z^2 / (2 * n)) / (1 + z^2 / n)
  half <- z * sqrt(p * (1 - p) / n + z^2 / (4 * n^2)) / (1 + z^2 / n)
  c(max(0, mid - half), min(1, mid + half))
}
newcombez <- function(xa, na, xb, nb, z) {
  pa <- xa / na; pb <- xb / nb; a <- wilz(xa, na, z); b <- wilz(xb, nb, z)
  c(pa - pb - sqrt((pa - a[1])^2 + (b[2] - pb)^2), pa - pb + sqrt((a[2] - pa)^2 + (pb - b[1])^2))
}
newcombe.p <- function(xa, na, xb, nb) {
  bound <- function(z) {
    ci <- newcombez(xa, na, xb, nb, z)
    if (xa / na < xb / nb) ci[2] else -ci[1]
  }
  z <- uniroot(bound, c(1e-6, 30), tol = 1e-14)$root
  2 * pnorm(-z)
}
for (cs in list(c(3, 6, 6, 6), c(0, 12, 12, 12), c(20, 40, 40, 40), c(10, 10, 5, 10))) {
  nm <- sprintf("newcombe.%d.%d.%d.%d", cs[1], cs[2], cs[3], cs[4])
  ci <- newcombe(cs[1], cs[2], cs[3], cs[4], 0.95)
  out(paste0(nm, ".low"), ci[1]); out(paste0(nm, ".high"), ci[2])
  out(paste0(nm, ".p"), newcombe.p(cs[1], cs[2], cs[3], cs[4]))
}

# Planning the gate. The variance of one stimulus's paired difference with k trials,
# within-stimulus correlation rho and pairing r (the correlation of a stimulus's true rate
# between the two runs): V = (p1 q1 + p2 q2) (rho (1 - r) + (1 - rho) / k). The gate runs
# Holm over m models, so a drop in one model clears level alpha / m.
pv <- function(p, d, k, rho, r) {
  p2 <- if (p - d < 0) p + d else p - d
  (p * (1 - p) + p2 * (1 - p2)) * (rho * (1 - r) + (1 - rho) / k)
}
gate.n <- function(v, d, alpha, pow, m) ceiling((qnorm(1 - alpha / (2 * m)) + qnorm(pow))^2 * v / d^2)
gate.power <- function(n, v, d, alpha, m) pnorm(d * sqrt(n / v) - qnorm(1 - alpha / (2 * m)))
for (cs in list(c(0.6, 0.10, 3.1, 0.55, 0.9, 6), c(0.7, 0.05, 2.4, 0.4, 0, 1), c(0.3, 0.05, 1, 0.8, 0.5, 10))) {
  nm <- sprintf("gate.p%g.d%g.k%g.rho%g.r%g.m%d", cs[1], cs[2], cs[3], cs[4], cs[5], cs[6])
  v <- pv(cs[1], cs[2], cs[3], cs[4], cs[5])
  out(paste0(nm, ".v"), v)
  n <- gate.n(v, cs[2], 0.05, 0.8, cs[6])
  out(paste0(nm, ".n"), n)
  out(paste0(nm, ".power131"), gate.power(131, v, cs[2], 0.05, cs[6]))
  out(paste0(nm, ".powerAtN"), gate.power(n, v, cs[2], 0.05, cs[6]))
}
# The mean and harmonic mean of rated trials per cell.
k <- c(1, 2, 3, 4, 5, 5, 3)
out("trials.mean", mean(k)); out("trials.harmonic", 1 / mean(1 / k))
# The pairing of two runs: the covariance of the cells' observed rates (same model and
# stimulus; centred on each model's mean, pooled over models with n - models degrees of
# freedom) over the between-stimulus variance p (1 - p) rho of the first run.
ra <- list(m1 = list(c(1,1,1), c(0,0), c(1,0,1), c(1), c(0,0,1)), m2 = list(c(1,1), c(0,1,0), c(1,1,1), c(0), c(1,0)))
rb <- list(m1 = list(c(0,0), c(1), c(1,0), c(1), c(0,1)), m2 = list(c(1), c(1,1), c(1,1,1), c(0), c(1)))
cells <- c(ra$m1, ra$m2); x <- unlist(cells); p <- mean(x)
big <- Filter(function(t) length(t) >= 2, cells)
within <- sum(sapply(big, function(t) sum((t - mean(t))^2))) / sum(sapply(big, length) - 1)
rho <- max(0, min(1, 1 - within / (p * (1 - p))))
cv <- 0; n <- 0
for (m in c("m1", "m2")) {
  xa <- sapply(ra[[m]], mean); xb <- sapply(rb[[m]], mean)
  cv <- cv + sum((xa - mean(xa)) * (xb - mean(xb))); n <- n + length(xa)
}
out("pairing.r", max(0, min(1, cv / (n - 2) / (p * (1 - p) * rho))))
# With --from, a drop in one model, any of them: the mean over the models of each one's
# gate power (its own pass rate and correlation), and the fewest stimuli that reach 0.8.
vs <- mapply(function(p, rho) pv(p, 0.1, 2.5, rho, 0.8), c(0.3, 0.6, 0.9), c(0.5, 0.4, 0.6))
mean.power <- function(n) mean(sapply(vs, function(v) gate.power(n, v, 0.1, 0.05, 6)))
out("gate.mean.power131", mean.power(131))
n <- 1; while (mean.power(n) < 0.8) n <- n + 1
out("gate.mean.n", n)
