"""The reader attack on the publication edition (issue 9, "Must show").

A reader holds every published file of an authority's publication edition (the
quarterly profile, performance and victims reports, HTML and Excel), reads every count and base out of
them, writes down the identities below and solves, with linear programming, the
range of every suppressed count. The management edition of the same reports (same
layout, every figure shown) tells the test which suppressed counts are small (1-4);
none may be narrowed to a range less than 5 wide. The attack is then repeated with
two authorities' publication editions together, aiming at the tables that show
every authority.

The identities are the reader's own (written here from the published labels, not
taken from ``cohort``): categories add up to their base; a cascade's step is counted
out of the step before; all children = school age + post-16; SEN Support + EHCP =
identified need; out-of-court completions by type add up; the services' distinct
total is at most their sum; all victims = accepted restorative justice + the rest;
KPI 10 and the summary board repeat the detail tables; a 12-month window is the sum
of its four quarters; a comparison group is the sum of its members; the pooled
reoffending year is its four 3-month cohorts; reoffenders <= reoffences, and
reoffences > 0 means at least one reoffender; every count <= its base.
"""

from __future__ import annotations

import re

import pytest
from _reader_attack import LABELS, Knowledge, Published, feasible_ranges, read

THRESHOLD = 5
NAMES = {"X01": "Ashbridge", "X02": "Kelmoor"}

PROFILE = "Children open during the quarter, by characteristic"
PARTITION_CHARACTERISTICS = ("Age", "Sex", "Ethnicity", "Special educational needs", "Care status")
KPI_PARTITIONS = ("Accommodation", "Age group", "Suitability of education, training or employment",
                  "Type of education, training or employment", "Hours offered a week", "Hours attended a week",
                  "Level of special educational needs", "Social, emotional and mental health need",
                  "Need identified", "Outcome of out-of-court disposals",
                  "Suitable education, training or employment (children with an identified need)")
ETE = ("Suitability of education, training or employment", "Type of education, training or employment",
       "Hours offered a week", "Hours attended a week")
FIGURES = ("This quarter", "Year to date")
RATE_TABLES = {
    "fte": ("First time entrants per 100,000 children aged 10-17, 12 months ending each quarter",
            "First time entrants per 100,000 aged 10-17, latest 12 months"),
    "custody": ("Custodial sentences per 1,000 children aged 10-17, 12 months ending each quarter",
                "Custodial sentences per 1,000 aged 10-17, latest 12 months"),
}
BINARY = "Proven reoffending rate: children in each 3-month cohort who reoffended"
FREQUENCY = "Proven reoffences per child in each 3-month cohort"
POOLED = "Proven reoffending rate, latest complete financial year"
VICTIMS = "Victims: consent, contact and restorative justice; each step of those at the step before"
REASONS = "Why victims did not take up restorative justice"
WHO = "Who the victims were"
SUMMARY = "The ten KPIs this quarter"
#: summary row (KPI, Measure) -> detail table, Measure, Category
SUMMARY_ROWS = {
    "In suitable accommodation": ("KPI 1", "Accommodation", "Suitable"),
    "In suitable education, training or employment": ("KPI 2", ETE[0], "Suitable"),
    "With a plan in place, of those with an identified SEND need": ("KPI 3", "Identified need and plan",
                                                                    "Plan in place"),
    "With a mental health need identified": ("KPI 4", "Need identified", "Yes"),
    "Attending a mental health intervention, of those offered one": ("KPI 4", "From need to intervention",
                                                                     "Attending"),
    "With a substance misuse need identified": ("KPI 5", "Need identified", "Yes"),
    "Attending substance misuse treatment, of those offered it": ("KPI 5", "From need to treatment", "Attending"),
    "Out-of-court disposals completed": ("KPI 6", "Outcome of out-of-court disposals", "Completed"),
    "Open to early help or children's social care": ("KPI 7", "Open to", "Total"),
    "Board places filled by statutory partners": ("KPI 8", "Meetings attended, by agency", "All agencies"),
    "Children with a proven serious violence offence": ("KPI 9", "Children, by offence", "Total"),
    "Victims who consented to contact and took up restorative justice": (
        "KPI 10", "Took up restorative justice, of those who consented to contact", "Accepted restorative justice"),
}


def _label(**kw) -> tuple:
    return tuple(kw.get(h.replace(" ", "_").lower(), "") for h in LABELS)


class Reader:
    """Key lookup over what a reader holds."""

    def __init__(self, pub: Published):
        self.pub = pub

    def captions(self, ns: str, start: str = "") -> list[str]:
        return [c for (n, c) in self.pub.rows if n == ns and c.startswith(start)]

    def rows(self, ns: str, caption: str) -> list[dict]:
        return self.pub.rows.get((ns, caption), [])

    def key(self, ns: str, caption: str, labels: dict, col: str) -> tuple | None:
        k = (ns, caption, tuple(labels.get(h, "") for h in LABELS), col)
        return k if k in self.pub.cells else None


def _quarter_index(label: str) -> int:
    m = re.search(r"(\d{4})/\d{2} Q(\d)", label)
    return int(m[1]) * 4 + int(m[2]) - 1


def knowledge(pub: Published, authorities: list[str]) -> Knowledge:
    r, k = Reader(pub), Knowledge()
    for ns in authorities:
        name = NAMES[ns]
        # every count is at most its base (reoffences per child excepted)
        for caption in r.captions(ns) + r.captions("ALL"):
            if caption == FREQUENCY:
                continue
            for lab in r.rows(ns, caption) + r.rows("ALL", caption):
                for sp in ("", "ALL"):
                    where = ns if not sp else sp
                    k.order(r.key(where, caption, lab, "Count"), r.key(where, caption, lab, "Of"))
                    for f in FIGURES:
                        k.order(r.key(where, caption, lab, f"{f}: count"), r.key(where, caption, lab, f"{f}: of"))
        # partitions: the profile's characteristics, the KPI categorical measures, the victims tables
        blocks = [(PROFILE, "Characteristic", PARTITION_CHARACTERISTICS, ("Count", "Of"))]
        blocks += [(c, "Measure", KPI_PARTITIONS, tuple(f"{f}: {x}" for f in FIGURES for x in ("count", "of")))
                   for c in r.captions(ns, "KPI ")]
        blocks += [(WHO, "Measure", ("Type of victim", "Sex", "Age", "Ethnicity"), ("Count", "Of"))]
        for caption, by, which, cols in blocks:
            groups: dict[str, list[dict]] = {}
            for lab in r.rows(ns, caption):
                if lab.get(by, "") in which:
                    groups.setdefault(lab[by], []).append(lab)
            for _, labs in groups.items():
                for num, den in zip(cols[0::2], cols[1::2], strict=True):
                    k.sum(r.key(ns, caption, labs[0], den), [r.key(ns, caption, lab, num) for lab in labs])
        reasons = r.rows(ns, REASONS)
        if reasons:
            k.sum(r.key(ns, REASONS, reasons[0], "Of"), [r.key(ns, REASONS, lab, "Count") for lab in reasons])
        # KPI detail identities
        detail = {c.split(":")[0]: c for c in r.captions(ns, "KPI ")}

        def d(kpi: str, measure: str, category: str, col: str, f: str = "This quarter",
              detail=detail, ns=ns) -> tuple | None:
            c = detail.get(kpi)
            return None if c is None else r.key(ns, c, {"Measure": measure, "Category": category}, f"{f}: {col}")

        for f in FIGURES:
            for m in ETE:
                cats = [lab["Category"] for lab in r.rows(ns, detail.get("KPI 2", "")) if lab.get("Measure") == m]
                for c in cats:
                    for col in ("count", "of"):
                        parts = [d("KPI 2", f"{m} ({sg})", c, col, f) for sg in ("school age", "post-16")]
                        parts = [p for p in parts if p is not None]
                        if parts:  # at least: records with no school age, or a type outside the age group
                            k.sum(d("KPI 2", m, c, col, f), parts, exact=False)
            for kpi, cascade in (("KPI 4", "From need to intervention"), ("KPI 5", "From need to treatment")):
                steps = ["Need identified", "Intervention offered", "Attending"]
                for a, b in zip(steps, steps[1:], strict=False):
                    k.sum(d(kpi, cascade, b, "of", f), [d(kpi, cascade, a, "count", f)])
                for col in ("count", "of"):
                    k.sum(d(kpi, cascade, "Need identified", col, f), [d(kpi, "Need identified", "Yes", col, f)])
            plan = "Identified need and plan"
            ident = "Identified need (SEN Support or EHCP)"
            k.sum(d("KPI 3", plan, ident, "count", f), [d("KPI 3", "Level of special educational needs", c, "count", f)
                                                         for c in ("SEN Support", "Education, health and care plan")])
            k.sum(d("KPI 3", plan, "Plan in place", "of", f), [d("KPI 3", plan, ident, "count", f)])
            k.sum(d("KPI 3", "Level of special educational needs", "No SEN Identified", "of", f),
                  [d("KPI 3", plan, ident, "of", f), d("KPI 3", "Level of special educational needs", "Unknown", "count", f)])
            types = [lab["Category"] for lab in r.rows(ns, detail.get("KPI 6", ""))
                     if lab.get("Measure") == "Completed, by type of disposal"]
            for col in ("count", "of"):
                k.sum(d("KPI 6", "Outcome of out-of-court disposals", "Completed", col, f),
                      [d("KPI 6", "Completed, by type of disposal", t, col, f) for t in types])
            services = [lab["Category"] for lab in r.rows(ns, detail.get("KPI 7", ""))
                        if lab.get("Measure") == "Open to" and lab["Category"] != "Total"]
            total = d("KPI 7", "Open to", "Total", "count", f)
            for s in services:
                k.order(d("KPI 7", "Open to", s, "count", f), total)
            agencies = [lab["Category"] for lab in r.rows(ns, detail.get("KPI 8", ""))
                        if lab["Category"] != "All agencies"]
            for col in ("count", "of"):
                k.sum(d("KPI 8", "Meetings attended, by agency", "All agencies", col, f),
                      [d("KPI 8", "Meetings attended, by agency", a, col, f) for a in agencies])
            groups = [lab["Category"] for lab in r.rows(ns, detail.get("KPI 9", "")) if lab["Category"] != "Total"]
            for g in groups:
                k.order(d("KPI 9", "Children, by offence", g, "count", f), d("KPI 9", "Children, by offence", "Total", "count", f))
            rj = ["Consented to contact", "Contacted", "Offered restorative justice", "Accepted restorative justice"]
            for a, b in zip(rj, rj[1:], strict=False):
                k.sum(d("KPI 10", "Contact and restorative justice", b, "of", f),
                      [d("KPI 10", "Contact and restorative justice", a, "count", f)])
            took = "Took up restorative justice, of those who consented to contact"
            k.sum(d("KPI 10", took, rj[-1], "count", f), [d("KPI 10", "Contact and restorative justice", rj[-1], "count", f)])
            k.sum(d("KPI 10", took, rj[-1], "of", f), [d("KPI 10", "Contact and restorative justice", rj[0], "count", f)])
        # the summary board repeats the detail tables
        for lab in r.rows(ns, SUMMARY):
            target = SUMMARY_ROWS.get(lab.get("Measure"))
            if target:
                for col in ("count", "of"):
                    for f in FIGURES:
                        k.sum(r.key(ns, SUMMARY, lab, f"{f}: {col}"), [d(*target, col, f)])
        # victims tables: the cascade, KPI 10, all victims = accepted + the rest
        def v(measure: str, category: str, col: str, caption: str = VICTIMS, ns=ns) -> tuple | None:
            return r.key(ns, caption, {"Measure": measure, "Category": category}, col)

        rj = ["Consented to contact", "Contacted", "Offered restorative justice", "Accepted restorative justice"]
        cr = "Contact and restorative justice"
        for a, b in zip(rj, rj[1:], strict=False):
            k.sum(v(cr, b, "Of"), [v(cr, a, "Count")])
        eng = "Engagement with restorative justice (KPI 10)"
        k.sum(v(eng, rj[-1], "Count"), [v(cr, rj[-1], "Count")])
        k.sum(v(eng, rj[-1], "Of"), [v(cr, rj[0], "Count")])
        if reasons:
            k.sum(v("Type of victim", "Individual", "Of", WHO), [r.key(ns, REASONS, reasons[0], "Of"), v(cr, rj[-1], "Count")])
        for person in ("Sex", "Age", "Ethnicity"):
            labs = [lab for lab in r.rows(ns, WHO) if lab.get("Measure") == person]
            if labs:
                k.sum(r.key(ns, WHO, labs[0], "Of"), [v("Type of victim", "Individual", "Count", WHO)])
        for c in rj:
            for col, fc in (("Count", "count"), ("Of", "of")):
                k.sum(v(cr, c, col), [d("KPI 10", cr, c, fc)])
        for col, fc in (("Count", "count"), ("Of", "of")):
            k.sum(v(eng, rj[-1], col), [d("KPI 10", took, rj[-1], fc)])
            k.sum(v("Support", "Support provided when asked for", col),
                  [d("KPI 10", "Support given, of those who asked for it", "Support provided when asked for", fc)])
        # 12-month windows are four quarters; the latest window is the benchmark row
        for measure, (caption, bench) in RATE_TABLES.items():
            windows = r.rows(ns, caption)
            for lab in windows:
                q = _quarter_index(lab["Period"])
                parts = [(ns, "quarters", measure, q - j) for j in range(4)]
                k.sum(r.key(ns, caption, lab, "Count"), parts)
            if windows:
                last = windows[-1]
                for col in ("Count", "Of"):
                    k.sum(r.key("ALL", bench, {"Authority name": name}, col), [r.key(ns, caption, last, col)])
        # reoffending: the same cohorts, reoffenders <= reoffences (and >= 1 if any), pooled = four cohorts
        for lab in r.rows(ns, BINARY):
            k.sum(r.key(ns, FREQUENCY, lab, "Of"), [r.key(ns, BINARY, lab, "Of")])
            n, offences = r.key(ns, BINARY, lab, "Count"), r.key(ns, FREQUENCY, lab, "Count")
            k.order(n, offences)
            if n is not None and offences is not None and pub.cells.get(n) is None and (pub.cells.get(offences) or 0) > 0:
                k.lower[n] = 1.0
        for lab in r.rows("ALL", POOLED):
            if lab.get("Authority name") != name:
                continue
            fy = int(lab["Period"][:4])
            cohorts = [f"{m} {fy}" for m in ("Apr-Jun", "Jul-Sep", "Oct-Dec")] + [f"Jan-Mar {fy + 1}"]
            for col in ("Count", "Of"):
                k.sum(r.key("ALL", POOLED, lab, col), [(ns, "cohort", c, col) if r.key(ns, BINARY, {"Period": c}, col)
                                                        is None else r.key(ns, BINARY, {"Period": c}, col)
                                                        for c in cohorts])
    # comparison groups: the pooled row is the sum of the members
    for caption in r.captions("ALL", "First time entrants: "):
        labs = r.rows("ALL", caption)
        members = [lab for lab in labs if not lab["Authority name"].endswith("(pooled)")]
        for lab in labs:
            if lab["Authority name"].endswith("(pooled)"):
                for col in ("Count", "Of"):
                    k.sum(r.key("ALL", caption, lab, col), [r.key("ALL", caption, m, col) for m in members])
        for m in members:
            for col in ("Count", "Of"):
                k.sum(r.key("ALL", caption, m, col), [r.key("ALL", RATE_TABLES["fte"][1], m, col)])
    return k


#: The reports whose tables the protection units cover (the disproportionality report's
#: tables are protected table by table in their own notebook).
REPORTS = ("quarterly_profile", "quarterly_cohort_profile", "performance", "victims")


def _files(folder, authority, edition):
    return sorted(f for f in (folder / authority).glob(f"*_{authority}_*_{edition}.*") if f.name.startswith(REPORTS))


def _attack(out, authorities):
    pub, truth = Published(), Published()
    for a in authorities:
        pub = read([f for f in _files(out, a, "publication") if f.suffix in (".html", ".xlsx")], a, pub)
        truth = read([f for f in _files(out, a, "management") if f.suffix in (".html", ".xlsx")], a, truth)
    know = knowledge(pub, authorities)
    small = [key for key, v in pub.cells.items() if v is None and truth.cells.get(key) is not None
             and 0 < truth.cells[key] < THRESHOLD]
    return pub, truth, know, small, feasible_ranges(pub, know, small)


@pytest.fixture(scope="module")
def one(published):
    out, _ = published
    return _attack(out, ["X01"])


def test_html_and_excel_publish_the_same_cells(one):
    pub, truth, know, small, ranges = one
    assert not pub.disagreements, pub.disagreements[:5]
    assert not truth.disagreements, truth.disagreements[:5]
    assert len(pub.cells) > 500 and sum(v is None for v in pub.cells.values()) > 50


def test_the_reader_knows_only_what_is_true(one):
    """Every identity the reader writes holds on the true figures (the management edition):
    the attack's conclusions are the reader's real knowledge, not wrong guesses."""
    pub, truth, know, small, ranges = one
    checked = 0
    for whole, parts in know.sums:
        values = [truth.cells.get(x) for x in (whole, *parts)]
        if all(v is not None for v in values):
            assert values[0] == sum(values[1:]), (whole, values)
            checked += 1
    for whole, parts in know.at_least:
        values = [truth.cells.get(x) for x in (whole, *parts)]
        if all(v is not None for v in values):
            assert values[0] >= sum(values[1:]), (whole, values)
    for a, b in know.orders:
        if truth.cells.get(a) is not None and truth.cells.get(b) is not None:
            assert truth.cells[a] <= truth.cells[b], (a, b)
    assert checked > 100


def test_reader_with_every_file_of_one_authority_narrows_no_small_count(one):
    """Must show: an LP reader attack over all published tables (HTML and Excel) of one
    authority's publication edition finds no suppressed small count narrowed below 5."""
    pub, truth, know, small, ranges = one
    assert len(know.sums) + len(know.at_least) > 200 and len(small) > 50  # the attack has something to aim at
    narrowed = {key: r for key, r in ranges.items() if r[1] - r[0] < THRESHOLD - 1e-6}
    assert not narrowed, list(narrowed.items())[:5]
    for key, (lo, hi) in ranges.items():  # and the truth is inside every range the reader finds
        assert lo - 1e-6 <= truth.cells[key] <= hi + 1e-6, key


def test_the_reader_is_not_toothless():
    """Control: the same reader recovers the counts a table protected on its own leaks
    (leak 2 of the issue: all = school age + post-16, 27 - 23 = 4)."""
    from cohort.disclosure import protect

    pub, truth = Published(), Published()
    c = "KPI 2: Education, training and employment"
    import pandas as pd

    t = pd.DataFrame({"Measure": [ETE[0]] * 2 + [f"{ETE[0]} (school age)"] * 2 + [f"{ETE[0]} (post-16)"] * 2,
                      "Category": ["Suitable", "Unsuitable"] * 3,
                      "numerator": [27, 13, 4, 8, 23, 5], "denominator": [40, 40, 12, 12, 28, 28]})
    for _, g in t.groupby("Measure", sort=False):  # each block protected on its own, as before the fix
        p = protect(g.reset_index(drop=True), "publication", within="Category", by=["Measure"])
        for lab, n, dd in zip(g.to_dict("records"), p.table["numerator"], p.table["denominator"], strict=True):
            for col, v, true in (("count", n, lab["numerator"]), ("of", dd, lab["denominator"])):
                key = ("X01", c, _label(measure=lab["Measure"], category=lab["Category"]), f"This quarter: {col}")
                pub.cells[key] = None if v == "[c]" else float(v.replace(",", ""))
                truth.cells[key] = true
        pub.rows.setdefault(("X01", c), []).extend({"Measure": x["Measure"], "Category": x["Category"]}
                                                    for x in g.to_dict("records"))
    know = knowledge(pub, ["X01"])
    small = [key for key, v in pub.cells.items() if v is None and 0 < truth.cells[key] < THRESHOLD]
    ranges = feasible_ranges(pub, know, small)
    assert any(hi - lo < THRESHOLD for lo, hi in ranges.values())  # 27 - 23 = 4 comes back


def test_two_authorities_together_recover_nothing_from_the_all_authority_tables(published):
    """Must show: holding two authorities' publication editions together recovers
    nothing from the tables that show every authority."""
    out, _ = published
    pub, truth, know, small, ranges = _attack(out, ["X01", "X02"])
    assert not pub.disagreements, pub.disagreements[:5]  # every report publishes the same pattern
    shared = [key for key in small if key[0] == "ALL"]
    narrowed = {key: r for key, r in ranges.items() if r[1] - r[0] < THRESHOLD - 1e-6}
    assert not narrowed, list(narrowed.items())[:5]
    assert len(shared) >= 0 and len(small) > 20
