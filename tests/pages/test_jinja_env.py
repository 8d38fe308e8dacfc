"""The templates' environment (app/jinja_env.py): each template's globals are a read-only live
view of the environment's, so renders and imports do not walk a ChainMap key by key."""

from types import MappingProxyType

import pytest


def test_loaded_templates_see_the_environment_globals_through_a_read_only_view(app):
    env = app.jinja_env
    template = env.get_template("courses/_macros.html")
    assert isinstance(template.globals, MappingProxyType)
    assert template.globals["url_for"] is env.globals["url_for"]
    env.globals["kompeten_added_later"] = "terlihat"
    try:
        assert env.from_string("{{ kompeten_added_later }}").render() == "terlihat"
        assert template.globals["kompeten_added_later"] == "terlihat"  # live, as before
    finally:
        del env.globals["kompeten_added_later"]


def test_globals_given_to_one_template_stay_with_it(app):
    env = app.jinja_env
    own = env.from_string("{{ greeting }} {{ url_for is defined }}", globals={"greeting": "halo"})
    assert own.render() == "halo True"  # its own globals over the environment's
    assert "greeting" not in env.globals
    assert env.from_string("[{{ greeting }}]").render() == "[]"


def test_adding_globals_to_a_loaded_template_fails_instead_of_reaching_every_template(app):
    env = app.jinja_env
    env.get_template("courses/_macros.html")
    with pytest.raises(AttributeError):  # a mappingproxy has no update()
        env.get_template("courses/_macros.html", globals={"leak": 1})
    assert "leak" not in env.globals


def test_imported_macros_and_rendered_pages_work_as_before(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "<h1" in page and "\x1f" not in page
    with app.test_request_context("/"):
        rendered = app.jinja_env.from_string(
            '{% from "courses/_macros.html" import progress_bar %}{{ progress_bar(40, "x") }}'
        ).render()
    assert 'value="40"' in rendered
