"""The reader attack on the disproportionality report's publication edition.

The same reader as :mod:`test_reader_attack` (its own HTML and Excel parser in
``_reader_attack``, its own identities, ``scipy.optimize.linprog``) holds one
authority's disproportionality report (HTML page and Excel pack) and writes down
what the published labels tell:

- the representation table: at each stage the groups' counts add up to the
  stage's total (its "Of"), which is the same number on every row of the stage;
- one number per stage and group: the representation table's count, the
  relative rate table's count and the cumulative table's count of the same
  stage and group are the same children;
- the relative rate table's "Of" is the count of the same group at the stage it
  is compared with (or the group's population, the same in the cumulative
  table's "Of");
- a stage's count of a group is at most that group's count at the stage that
  feeds it; every count is at most its base;
- the adjusted models: the blocks are added to one set of occasions, so a
  group's occasions with the outcome ("Count") and in all ("Of") are the same
  in every model row of the group.

The management edition of the same report (same layout, every figure shown)
tells the test which suppressed counts are small (1-4); none may be narrowed to
a range less than 5 wide, and no stage-and-group count may be shown in one
table and suppressed in another.
"""

from __future__ import annotations

import pytest
from _reader_attack import LABELS, Knowledge, Published, feasible_ranges, read

THRESHOLD = 5
REPRESENTATION = "Children at each stage by ethnic group"
RELATIVE = "Relative rate index against White children"
CUMULATIVE = "Rates over the population aged 10-17"
MODELS = ("Odds ratios of a court outcome", "Odds ratios of custody at court")
POPULATION = "Children aged 10-17"
AUTHORITIES = ("X01", "X03", "X05")


def _caption(pub: Published, ns: str, start: str) -> str | None:
    found = [c for (n, c) in pub.rows if n == ns and c.startswith(start)]
    return found[0] if found else None


def _key(pub: Published, ns: str, caption: str | None, labels: dict, col: str) -> tuple | None:
    if caption is None:
        return None
    k = (ns, caption, tuple(labels.get(h, "") for h in LABELS), col)
    return k if k in pub.cells else None


def stage_cells(pub: Published, ns: str) -> dict[tuple, list[tuple]]:
    """Every published cell that counts the children of one stage and group:
    (stage, group) -> the table cells, and ("population", group) -> the bases
    that are the group's population."""
    out: dict[tuple, list[tuple]] = {}
    rep = _caption(pub, ns, REPRESENTATION)
    for lab in pub.rows.get((ns, rep), []):
        out.setdefault((lab["Stage"], lab["Group"]), []).append(_key(pub, ns, rep, lab, "Count"))
    for start in (RELATIVE, CUMULATIVE):
        c = _caption(pub, ns, start)
        for lab in pub.rows.get((ns, c), []):
            out.setdefault((lab["Stage"], lab["Group"]), []).append(_key(pub, ns, c, lab, "Count"))
            base = "population" if lab["Compared with"] == POPULATION else lab["Compared with"]
            out.setdefault((base, lab["Group"]), []).append(_key(pub, ns, c, lab, "Of"))
    return {k: [x for x in v if x is not None] for k, v in out.items()}


def knowledge(pub: Published, ns: str) -> Knowledge:
    k = Knowledge()
    cells = stage_cells(pub, ns)
    # one number per stage and group (and per group's population), whichever table shows it
    for (stage, group), keys in cells.items():
        for key in keys:
            k.sum(key, [(ns, "children", stage, group)])
    # the representation table: groups add up to the stage total, the same on every row
    rep = _caption(pub, ns, REPRESENTATION)
    stages: dict[str, list[dict]] = {}
    for lab in pub.rows.get((ns, rep), []):
        stages.setdefault(lab["Stage"], []).append(lab)
    for labs in stages.values():
        total = _key(pub, ns, rep, labs[0], "Of")
        k.sum(total, [_key(pub, ns, rep, lab, "Count") for lab in labs])
        for lab in labs[1:]:
            k.sum(_key(pub, ns, rep, lab, "Of"), [total])
    # a stage's count is at most its feeding stage's count, for every group (and in total)
    feeds = {lab["Stage"]: lab["Compared with"] for lab in pub.rows.get((ns, _caption(pub, ns, RELATIVE)), [])
             if lab["Compared with"] != POPULATION}
    for stage, feeder in feeds.items():
        for lab in stages.get(stage, []):
            k.order((ns, "children", stage, lab["Group"]), (ns, "children", feeder, lab["Group"]))
        if stages.get(stage) and stages.get(feeder):
            k.order(_key(pub, ns, rep, stages[stage][0], "Of"), _key(pub, ns, rep, stages[feeder][0], "Of"))
    # every count is at most its base
    for (n, caption), labs in pub.rows.items():
        if n == ns:
            for lab in labs:
                k.order(_key(pub, ns, caption, lab, "Count"), _key(pub, ns, caption, lab, "Of"))
    # the adjusted models: one set of occasions, blocks added in turn
    for start in MODELS:
        c = _caption(pub, ns, start)
        groups: dict[str, list[dict]] = {}
        for lab in pub.rows.get((ns, c), []):
            groups.setdefault(lab["Group"], []).append(lab)
        for labs in groups.values():
            for lab in labs[1:]:
                for col in ("Count", "Of"):
                    k.sum(_key(pub, ns, c, lab, col), [_key(pub, ns, c, labs[0], col)])
    return k


def _files(out, authority, edition):
    return sorted((out / authority).glob(f"disproportionality_{authority}_*_{edition}.*"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The disproportionality report of three authorities, both editions, through the batch
    runner, from the demonstration's store (``cohort demo``: seed 2024, five authorities,
    scale 1). Protected table by table, these reports printed in one table counts hidden in
    another (X01's 12 children of Mixed ethnicity at court) and gave back small counts exactly
    (X03's and X05's children of unknown ethnicity at court: 1 and 3)."""
    from cohort import batch, synthetic
    from cohort.store import write_store

    root = tmp_path_factory.mktemp("disproportionality")
    write_store(synthetic.generate(seed=2024, authorities=5, scale=1.0), root / "store")
    batch.run(["disproportionality"], list(AUTHORITIES), None, store=root / "store", output=root / "out",
              jobs=2, progress=False, policies=["management", "publication"])
    return root / "out"


def _attack(out, authority):
    files = [".html", ".xlsx"]
    pub = read([f for f in _files(out, authority, "publication") if f.suffix in files], authority)
    truth = read([f for f in _files(out, authority, "management") if f.suffix in files], authority)
    know = knowledge(pub, authority)
    small = [key for key, v in pub.cells.items() if v is None and truth.cells.get(key) is not None
             and 0 < truth.cells[key] < THRESHOLD]
    return pub, truth, know, small, feasible_ranges(pub, know, small)


@pytest.fixture(scope="module")
def attacks(reports):
    return {a: _attack(reports, a) for a in AUTHORITIES}


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_disproportionality_html_and_excel_publish_the_same_cells(attacks, authority):
    pub, truth, know, small, ranges = attacks[authority]
    assert not pub.disagreements, pub.disagreements[:5]
    assert not truth.disagreements, truth.disagreements[:5]
    assert len(pub.cells) > 100 and sum(v is None for v in pub.cells.values()) > 10
    assert len([c for (n, c) in pub.rows if n == authority]) == 5  # the five tables were read


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_disproportionality_reader_knows_only_what_is_true(attacks, authority):
    """Every identity the reader writes holds on the management edition's figures."""
    pub, truth, know, small, ranges = attacks[authority]
    values = dict(truth.cells)
    # the reader's own unknowns (one count per stage and group) take the true value of any cell naming them
    for whole, parts in know.sums:
        if len(parts) == 1 and parts[0][1] == "children" and truth.cells.get(whole) is not None:
            values.setdefault(parts[0], truth.cells[whole])
    checked = 0
    for whole, parts in know.sums:
        vals = [values.get(x) for x in (whole, *parts)]
        if all(v is not None for v in vals):
            assert vals[0] == sum(vals[1:]), (whole, parts, vals)
            checked += 1
    for a, b in know.orders:
        if values.get(a) is not None and values.get(b) is not None:
            assert values[a] <= values[b], (a, b, values[a], values[b])
    assert checked > 50


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_disproportionality_shows_each_count_in_every_table_or_in_none(attacks, authority):
    """A stage's count of a group (and a group's population) is shown in every table that
    holds it or in none: never printed in one table and suppressed in another."""
    pub, *_ = attacks[authority]
    mixed = {}
    for what, keys in stage_cells(pub, authority).items():
        shown = {pub.cells[k] is None for k in keys}
        if len(shown) > 1:
            mixed[what] = [(k[1][:40], pub.cells[k]) for k in keys]
    assert not mixed, list(mixed.items())[:5]


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_disproportionality_reader_narrows_no_small_count(attacks, authority):
    """Must show: an LP reader attack over the five tables (HTML and Excel) of the
    publication edition finds no suppressed small count narrowed below 5."""
    pub, truth, know, small, ranges = attacks[authority]
    assert len(know.sums) > 50 and len(small) > 5  # the attack has something to aim at
    narrowed = {key: r for key, r in ranges.items() if r[1] - r[0] < THRESHOLD - 1e-6}
    assert not narrowed, [(k[1][:30], k[2], k[3], r, truth.cells[k]) for k, r in list(narrowed.items())[:5]]
    for key, (lo, hi) in ranges.items():
        assert lo - 1e-6 <= truth.cells[key] <= hi + 1e-6, key
