"""The demo (docs/demo.md): `flask demo seed` adds a few people with varied progress on top of
the bundled content so that a visitor can walk every role's pages; `flask demo remove` takes it
out again. Nothing here runs unless asked: no request, no start-up and no job seeds it."""


def register_demo(app):
    from app.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
