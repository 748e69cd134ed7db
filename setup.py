"""Package layout: examples/, resources/ and lessons/ live at the top of the repository and ship
inside the wheel as the data packages designer._examples, designer._resources and
designer._lessons."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["designer", "designer.*"]) + ["designer._examples", "designer._resources",
                                                                 "designer._lessons"],
    package_dir={"designer._examples": "examples", "designer._resources": "resources",
                 "designer._lessons": "lessons"},
    package_data={"designer._examples": ["*.json", "*.md"], "designer._resources": ["*", "*/*"],
                  "designer._lessons": ["*.md"]},
)
