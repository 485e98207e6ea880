# Reference values for tests/stats/test_stats_logistic.py::test_profile_limits_of_a_model_with_many_area_terms
# Run from tests/stats:  Rscript reference/logistic_many_areas.R
# A model with 40 area indicators (the sparse design of a custody model adjusted for authority).
# tests/stats/data/many_areas.csv: 1,200 synthetic rows, made in Python by
#   rng = np.random.default_rng(2026); n = 1200; area = rng.integers(0, 40, n)
#   group = rng.choice(["White", "Black", "Asian"], n, p=[0.7, 0.15, 0.15]); gravity = rng.integers(1, 8, n)
#   eta = -3 + 0.3 * gravity + np.where(group == "Black", 0.5, np.where(group == "Asian", 0.2, 0))
#         + rng.normal(0, 0.5, 40)[area]
#   custody = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int); area labels f"A{area:02d}"
options(digits = 12)
d <- read.csv("data/many_areas.csv")
d$group <- relevel(factor(d$group), ref = "White")
fit <- glm(custody ~ group + gravity + area, data = d, family = binomial(),
           control = glm.control(epsilon = 1e-14, maxit = 100))
print(coef(summary(fit))[c("groupAsian", "groupBlack"), ])
source("reference/profile_roots.R")
print(profile_roots(fit, d$custody, c("groupAsian", "groupBlack")))
