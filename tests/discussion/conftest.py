import pytest

from tests.discussion.helpers import build_world


@pytest.fixture
def world(app, create_user):
    return build_world(app, create_user)
