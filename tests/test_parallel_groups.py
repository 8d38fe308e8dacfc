"""The suite's shared resources stay on one worker: under `pytest -n N --dist loadgroup` (what
`make test` runs), every test marked with an `xdist_group` must reach pytest-xdist's scheduler
with the group in its id (`…@browser`), or the scheduler spreads the group over the workers.

That happened silently until 6 December: pytest 9.2 keeps a node's id in a new attribute that
pytest-xdist 3.8 does not write, so the browser tests ran on two workers at once, two live
servers, and two workers rewriting tests/browser/artifacts/metrics.json (CI read it half
written). requirements-dev.txt pins a pytest that works with the pinned pytest-xdist; this test
fails when an upgrade breaks that again."""

import pytest


def _grouped_items(session):
    for item in session.items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups:
            yield item, "_".join(groups)


def test_grouped_tests_carry_their_group_to_the_scheduler(request):
    option = request.config.option
    if not getattr(option, "loadgroup", False):
        pytest.skip("only meaningful on a pytest-xdist worker with --dist loadgroup "
                    "(`make test` runs that way)")
    grouped = list(_grouped_items(request.session))
    if not grouped:
        pytest.skip("no grouped tests were collected in this run")
    lost = [item.nodeid for item, group in grouped if not item.nodeid.endswith("@" + group)]
    assert lost == [], f"{len(lost)} grouped tests would be spread over workers: {lost[:3]}"


def test_the_shared_resources_are_marked_with_their_group(request):
    """The marks themselves: the browser package and the Redis files are grouped."""
    groups = {item.path.name: group for item, group in _grouped_items(request.session)}
    if not groups:
        pytest.skip("run with the browser or Redis tests to check their marks "
                    "(`pytest tests/test_parallel_groups.py tests/browser`)")
    for name, group in groups.items():
        assert group in {"browser", "redis"}, (name, group)
