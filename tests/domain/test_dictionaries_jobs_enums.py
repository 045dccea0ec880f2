from datetime import datetime, timezone

import pytest

from chalicelib import clock
from chalicelib.domain import dictionaries as d
from chalicelib.domain import jobs
from chalicelib.domain.enums import ALL_ENUMS, JobStatus, RegionLevel, UnitCategory
from chalicelib.domain.errors import Conflict, ValidationFailed


def test_region_levels_and_parents():
    assert d.region_level("630000") is RegionLevel.PROVINCE and d.parent_of("630000") is None
    assert d.region_level("630100") is RegionLevel.CITY and d.parent_of("630100") == "630000"


@pytest.mark.parametrize("code", ["63000", "0630000", "630101", "abcdef", "", "063000"])
def test_bad_region_codes(code):
    with pytest.raises(ValidationFailed):
        d.region_level(code)


def test_make_region_and_unit_validate_their_fields():
    assert d.make_region("220100", "长春市").parent_code == "220000"
    with pytest.raises(ValidationFailed):
        d.make_region("220100", "")
    assert d.make_unit("U016", "盒", "box", "package").category is UnitCategory.PACKAGE
    for args in (("16", "盒", "box", "package"), ("U016", "", "box", "package"), ("U016", "盒", "box", "weight")):
        with pytest.raises(ValidationFailed):
            d.make_unit(*args)


def test_seed_files_are_valid_and_consistent():
    from ops.seed import load_regions, load_units

    regions = load_regions()
    codes = {r.code for r in regions}
    assert len(codes) == len(regions) == 373
    assert all(r.parent_code in codes for r in regions if r.parent_code)
    units = load_units()
    assert len({u.code for u in units}) == len({u.name for u in units}) == len(units)


def test_job_transitions():
    jobs.check_transition(JobStatus.QUEUED, JobStatus.RUNNING)
    jobs.check_transition(JobStatus.RUNNING, JobStatus.RUNNING)
    for done in jobs.TERMINAL:
        for target in JobStatus:
            with pytest.raises(Conflict):
                jobs.check_transition(done, target)
    with pytest.raises(Conflict):
        jobs.check_transition(JobStatus.QUEUED, JobStatus.SUCCEEDED)


def test_progress_percent():
    assert jobs.Progress(5, 20).percent == 25.0
    assert jobs.Progress(30, 20).percent == 100.0
    assert jobs.Progress(5, None).percent is None and jobs.Progress(0, 0).percent is None


def test_every_enum_has_unique_codes_and_chinese_labels():
    for name, cls in ALL_ENUMS.items():
        codes = [m.value for m in cls]
        assert len(set(codes)) == len(codes), name
        for m in cls:
            assert m.value.islower() and " " not in m.value, (name, m.value)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in m.label), (name, m.value, m.label)


def test_fixed_clock_moves_only_when_told():
    c = clock.FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert c.now() == c.now()
    assert c.advance(minutes=5).minute == 5
    with pytest.raises(ValueError):
        clock.FixedClock(datetime(2026, 1, 1))
    previous = clock.set_clock(c)
    try:
        assert clock.now() == c.now()
    finally:
        clock.set_clock(previous)
