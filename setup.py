"""Package layout: examples/ and resources/ live at the top of the repository and ship inside
the wheel as the data packages designer._examples and designer._resources."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["designer", "designer.*"]) + ["designer._examples", "designer._resources"],
    package_dir={"designer._examples": "examples", "designer._resources": "resources"},
    package_data={"designer._examples": ["*.json", "*.md"], "designer._resources": ["*", "*/*"]},
)
