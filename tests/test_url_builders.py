"""The suite's shared URL builders and rule parses (tests/conftest.py, share_url_builders and
share_rule_parsing) must build and match exactly what Werkzeug's own would, for every rule of
the app, and must really be shared."""

from flask import url_for
from werkzeug.routing.rules import Rule

from tests.conftest import configured_app


def _unshared(rule, append_unknown):
    return Rule._compile_builder.original(rule, append_unknown)


def _same_function(shared, unshared):
    a, b = shared.__code__, unshared.__code__
    return (a.co_code, a.co_consts, a.co_names, a.co_varnames, shared.__defaults__) == \
        (b.co_code, b.co_consts, b.co_names, b.co_varnames, unshared.__defaults__)


def test_the_patch_is_in_place_and_werkzeug_still_has_the_method_it_wraps():
    assert Rule._compile_builder.shared
    assert callable(Rule._compile_builder.original)
    assert Rule.compile.shared
    assert callable(Rule.compile.original)


def _settings(converter):
    return {name: value for name, value in vars(converter).items() if name != "map"}


def test_every_rule_parses_as_werkzeug_would_parse_it(app):
    rules = list(app.url_map.iter_rules())
    assert any(rule._converters for rule in rules)
    for rule in rules:
        fresh = rule.empty()
        fresh.map = app.url_map
        Rule.compile.original(fresh)
        assert (rule._parts, rule._trace, rule.arguments) == \
            (fresh._parts, fresh._trace, fresh.arguments), rule.rule
        assert {name: (type(c), c.regex, _settings(c)) for name, c in rule._converters.items()} \
            == {name: (type(c), c.regex, _settings(c)) for name, c in fresh._converters.items()}


def test_every_rule_builds_with_the_function_werkzeug_would_compile(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 150
    for rule in rules:
        assert _same_function(rule._build.__func__, _unshared(rule, False)), rule.rule
        assert _same_function(rule._build_unknown.__func__, _unshared(rule, True)), rule.rule


def test_two_apps_share_the_builders_and_each_binds_its_own_rules(app, database_url, tmp_path):
    with configured_app(database_url, tmp_path / "second") as second:
        first_rule = app.url_map._rules_by_endpoint["courses.catalogue"][0]
        second_rule = second.url_map._rules_by_endpoint["courses.catalogue"][0]
        assert first_rule is not second_rule
        assert first_rule._build.__func__ is second_rule._build.__func__
        module = "courses.module_page"
        first_parsed = app.url_map._rules_by_endpoint[module][0]
        second_parsed = second.url_map._rules_by_endpoint[module][0]
        assert first_parsed._converters and first_parsed._parts == second_parsed._parts
        assert first_parsed._converters["slug"] is second_parsed._converters["slug"]
        assert first_rule._build.__self__ is first_rule
        assert second_rule._build.__self__ is second_rule


def test_urls_with_converters_defaults_and_query_strings(app):
    with app.test_request_context():
        assert url_for("courses.catalogue") == "/"
        assert url_for("courses.catalogue", q="pelayanan publik") == "/?q=pelayanan+publik"
        assert url_for("certificates.verify", code="ABC-123") == "/verify/ABC-123"
