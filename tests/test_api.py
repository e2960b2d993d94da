"""The public API: every name in planner.__all__ resolves, and the version comes from metadata."""

from importlib.metadata import version

import pytest

import planner


@pytest.mark.parametrize("name", planner.__all__)
def test_public_names_resolve(name):
    assert getattr(planner, name) is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        planner.nope  # noqa: B018


def test_version_is_the_distribution_version():
    assert planner.__version__ == version("bakad-siting-planner")
